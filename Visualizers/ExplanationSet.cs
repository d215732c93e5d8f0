using CnnVis.Torch;

namespace CnnVis.Visualizers;

/// <summary>
/// The maps one pass made, by method name, with the logits and the classes that were explained. It owns its
/// tensors: disposing it frees every map not taken out with <see cref="Take"/>.
/// </summary>
public sealed class ExplanationSet : IDisposable
{
    private readonly OrderedDictionary<string, Tensor> _maps;

    private readonly OrderedDictionary<string, Tensor> _reports;

    internal ExplanationSet(OrderedDictionary<string, Tensor> maps, OrderedDictionary<string, Tensor> reports, Tensor logits, Tensor classes)
    {
        _maps = maps;
        _reports = reports;
        Logits = logits;
        Classes = classes;
    }

    /// <summary>The model's output for the images, [N, classes].</summary>
    public Tensor Logits { get; }

    /// <summary>The class each map explains, int64 [N].</summary>
    public Tensor Classes { get; }

    /// <summary>What methods measured besides their maps, as "method.quantity", e.g. "integrated-gradients.delta" [N].</summary>
    public IReadOnlyDictionary<string, Tensor> Reports => _reports;

    /// <summary>Method names, in the order the methods were given.</summary>
    public IReadOnlyList<string> Names => _maps.Keys.ToList();

    public Tensor this[string name] =>
        _maps.TryGetValue(name, out var map) ? map : throw new KeyNotFoundException($"no map named '{name}' in this set: it holds {string.Join(", ", _maps.Keys)}");

    public Tensor this[ExplanationMethod method] => this[method.Name];

    /// <summary>Takes a map out of the set: the caller owns it and the set no longer frees it.</summary>
    public Tensor Take(string name)
    {
        var map = this[name];
        _maps.Remove(name);
        return map;
    }

    public void Dispose()
    {
        foreach (var map in _maps.Values) map.Dispose();
        _maps.Clear();
        foreach (var report in _reports.Values) report.Dispose();
        _reports.Clear();
        Logits.Dispose();
        Classes.Dispose();
    }
}
