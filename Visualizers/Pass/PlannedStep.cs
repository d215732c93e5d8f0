namespace CnnVis.Visualizers.Pass;

/// <summary>One forward of a plan: its ReLU rule, the layers it keeps, and what its backward (if any) must give.</summary>
internal sealed record PlannedStep(ReluRule Rule, IReadOnlyList<string> Layers, bool InputGradient, IReadOnlyList<string> LayerGradients)
{
    public bool Backward => InputGradient || LayerGradients.Count > 0;
}
