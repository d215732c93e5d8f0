using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>What a CAM-family method weighs: the layer's activations A [N, C, h, w] and, when asked for, dScore/dA.</summary>
/// <param name="Context">The pass: model, images and classes, for methods that need more (CAM's classifier, Score-CAM's forwards).</param>
/// <param name="Layer">The dotted path of the layer.</param>
/// <param name="Activations">A, [N, C, h, w]; owned by the pass.</param>
/// <param name="Gradients">dScore/dA, [N, C, h, w], or null for a method that needs no gradient; owned by the pass.</param>
public sealed record CamInputs(ExplanationContext Context, string Layer, Tensor Activations, Tensor? Gradients)
{
    /// <summary>dScore/dA; throws when the method did not ask for gradients.</summary>
    public Tensor RequiredGradients =>
        Gradients ?? throw new InvalidOperationException("this CAM method needs gradients: its NeedsGradients must be true");
}
