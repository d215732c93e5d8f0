using CnnVis.Torch;

namespace CnnVis.Visualizers.Targets;

/// <summary>Explains, for each image, the class the model predicts (the largest logit).</summary>
public sealed record PredictedClass : ExplanationTarget
{
    /// <summary>The one value there needs to be.</summary>
    public static PredictedClass Instance { get; } = new();

    public override Tensor ClassesFor(Tensor logits)
    {
        ShapeOf(logits);
        using var detached = logits.detach();
        return detached.argmax(1);
    }

    public override string ToString() => "predicted class";
}
