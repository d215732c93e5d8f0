namespace CnnVis.Visualizers.Pass;

/// <summary>
/// What a set of methods needs from the model, collected before anything runs so that each ReLU rule costs one
/// forward (and at most one backward) however many methods read it.
/// </summary>
public sealed class PassPlan
{
    private readonly SortedDictionary<ReluRule, Step> _steps = new();

    internal PassPlan(string defaultLayer) => DefaultLayer = defaultLayer;

    /// <summary>The model's explanation layer: where CAM-family methods look unless told otherwise.</summary>
    public string DefaultLayer { get; }

    /// <summary>Asks for one forward under <paramref name="rule"/> that keeps the outputs of <paramref name="layers"/>.</summary>
    public void RequireForward(ReluRule rule, params string[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var step = StepOf(rule);
        foreach (var layer in layers)
        {
            ArgumentException.ThrowIfNullOrEmpty(layer);
            step.Layers.Add(layer);
        }
    }

    /// <summary>Asks for d(target score)/d(input) under <paramref name="rule"/>.</summary>
    public void RequireInputGradient(ReluRule rule) => StepOf(rule).InputGradient = true;

    /// <summary>Asks for the output of <paramref name="layer"/> and d(target score)/d(that output) under <paramref name="rule"/>.</summary>
    public void RequireLayerGradient(ReluRule rule, string layer)
    {
        RequireForward(rule, layer);
        StepOf(rule).LayerGradients.Add(layer);
    }

    /// <summary>How many forwards the plan costs (one per ReLU rule asked for).</summary>
    public int ForwardCount => _steps.Count;

    internal IEnumerable<PlannedStep> Steps =>
        _steps.Select(kv => new PlannedStep(kv.Key, kv.Value.Layers.ToList(), kv.Value.InputGradient, kv.Value.LayerGradients.ToList()));

    private Step StepOf(ReluRule rule)
    {
        if (!Enum.IsDefined(rule)) throw new ArgumentOutOfRangeException(nameof(rule), $"unknown ReLU rule {rule}");
        if (!_steps.TryGetValue(rule, out var step)) _steps[rule] = step = new Step();
        return step;
    }

    private sealed class Step
    {
        public readonly SortedSet<string> Layers = new(StringComparer.Ordinal);
        public readonly SortedSet<string> LayerGradients = new(StringComparer.Ordinal);
        public bool InputGradient;
    }
}
