namespace CnnVis.Visualizers;

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

    /// <summary>
    /// Asks for one forward under <paramref name="rule"/>, keeping the outputs of <paramref name="layers"/>, and, with
    /// <paramref name="gradients"/>, one backward giving the gradient of the target score with respect to the input
    /// and to each kept layer output.
    /// </summary>
    public void Require(ReluRule rule, bool gradients, params string[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!_steps.TryGetValue(rule, out var step)) _steps[rule] = step = new Step();
        step.Gradients |= gradients;
        foreach (var layer in layers)
        {
            ArgumentNullException.ThrowIfNull(layer);
            if (!step.Layers.Contains(layer)) step.Layers.Add(layer);
        }
    }

    internal IEnumerable<(ReluRule rule, bool gradients, IReadOnlyList<string> layers)> Steps =>
        _steps.Select(kv => (kv.Key, kv.Value.Gradients, (IReadOnlyList<string>)kv.Value.Layers));

    /// <summary>How many forwards the plan costs (one per ReLU rule asked for).</summary>
    public int ForwardCount => _steps.Count;

    private sealed class Step
    {
        public bool Gradients;
        public readonly List<string> Layers = new();
    }
}
