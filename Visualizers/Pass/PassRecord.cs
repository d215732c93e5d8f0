using CnnVis.Torch;

namespace CnnVis.Visualizers.Pass;

/// <summary>
/// What one forward (and its backward, when planned) under one ReLU rule recorded. The tensors belong to the
/// pass and are freed when it ends: a method that keeps one returns a new tensor made from it.
/// </summary>
public sealed class PassRecord
{
    private readonly Dictionary<string, Tensor> _activations;
    private readonly Dictionary<string, Tensor> _activationGradients;

    internal PassRecord(ReluRule rule, Tensor logits, Tensor? inputGradient, Dictionary<string, Tensor> activations,
        Dictionary<string, Tensor> activationGradients)
    {
        Rule = rule;
        Logits = logits;
        InputGradient = inputGradient;
        _activations = activations;
        _activationGradients = activationGradients;
    }

    public ReluRule Rule { get; }

    /// <summary>The model's output, [N, classes], cut from the graph.</summary>
    public Tensor Logits { get; }

    /// <summary>d(target score)/d(input), [N, C, H, W]; null when the plan asked for no input gradient under this rule.</summary>
    public Tensor? InputGradient { get; }

    /// <summary>The output of <paramref name="layer"/> in this forward, cut from the graph.</summary>
    public Tensor Activations(string layer) =>
        _activations.TryGetValue(layer, out var a) ? a : throw new InvalidOperationException($"the pass did not keep the output of layer '{layer}': a method must ask for it in its plan");

    /// <summary>d(target score)/d(output of <paramref name="layer"/>).</summary>
    public Tensor ActivationGradient(string layer) =>
        _activationGradients.TryGetValue(layer, out var g) ? g : throw new InvalidOperationException($"the pass computed no gradient for layer '{layer}': a method must ask for it in its plan");
}
