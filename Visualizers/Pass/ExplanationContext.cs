using CnnVis.Torch;

namespace CnnVis.Visualizers.Pass;

/// <summary>
/// Everything a method may read while a pass computes its map: the model, the images, the class explained for
/// each image, the records of the planned forwards, and the maps other methods already made (so a composed
/// method such as guided Grad-CAM reuses them instead of computing them again).
/// </summary>
public sealed class ExplanationContext
{
    private readonly IReadOnlyDictionary<ReluRule, PassRecord> _records;
    private readonly Dictionary<ExplanationMethod, Tensor> _maps = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ExplanationMethod> _computing = new(ReferenceEqualityComparer.Instance);
    private readonly OrderedDictionary<string, Tensor> _reports = new();

    internal ExplanationContext(Module model, IExplainableModel explainable, Tensor input, Tensor classes,
        IReadOnlyDictionary<ReluRule, PassRecord> records, int maxBatch)
    {
        Model = model;
        Explainable = explainable;
        Input = input;
        Classes = classes;
        _records = records;
        MaxBatch = maxBatch;
    }

    /// <summary>The model, in eval mode while the pass runs.</summary>
    public Module Model { get; }

    /// <summary>The same model, as the layers it names.</summary>
    public IExplainableModel Explainable { get; }

    /// <summary>The images explained, [N, C, H, W], cut from any graph.</summary>
    public Tensor Input { get; }

    /// <summary>The class explained for each image, int64 [N].</summary>
    public Tensor Classes { get; }

    /// <summary>The most images a method that samples (SmoothGrad, integrated gradients, Score-CAM, occlusion) sends through the model at once.</summary>
    public int MaxBatch { get; }

    /// <summary>Input height and width.</summary>
    public long[] ImageSize => Input.shape[2..];

    /// <summary>The record of the forward under <paramref name="rule"/>; it must have been planned.</summary>
    public PassRecord Record(ReluRule rule) =>
        _records.TryGetValue(rule, out var r) ? r : throw new InvalidOperationException($"no forward under the {rule} ReLU rule was planned: a method must ask for it in its plan");

    /// <summary>
    /// Hands the caller a quantity a method measured besides its map (integrated gradients' completeness delta),
    /// as "method.quantity" in <see cref="ExplanationSet.Reports"/>. The pass takes ownership of <paramref name="value"/>.
    /// </summary>
    public void Report(ExplanationMethod method, string quantity, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrEmpty(quantity);
        ArgumentNullException.ThrowIfNull(value);
        var key = $"{method.Name}.{quantity}";
        if (_reports.Remove(key, out var earlier) && !ReferenceEquals(earlier, value)) earlier.Dispose();
        _reports[key] = value;
    }

    internal OrderedDictionary<string, Tensor> Reports => _reports;

    /// <summary>
    /// The map of <paramref name="method"/> for these images, computed once per pass. The pass owns it: do not
    /// dispose it, and return a new tensor made from it rather than the map itself.
    /// </summary>
    public Tensor MapOf(ExplanationMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (_maps.TryGetValue(method, out var map)) return map;
        if (!_computing.Add(method)) throw new InvalidOperationException($"{method.Name} depends on itself");
        try
        {
            map = method.Compute(this);
        }
        finally
        {
            _computing.Remove(method);
        }
        _maps[method] = map;
        return map;
    }
}
