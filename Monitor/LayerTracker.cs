using CnnVis.Monitor.Store;
using CnnVis.Torch;

namespace CnnVis.Monitor;

/// <summary>
/// Per-parameter statistics at each snapshot: norm, update ratio against the weights kept from the previous
/// snapshot, the last step's gradient norm, and a histogram. Reads only: no gradient or weight changes.
/// </summary>
internal sealed class LayerTracker
{
    private readonly Dictionary<string, float[]> _previous = new(StringComparer.Ordinal);
    private readonly int _bins;

    public LayerTracker(int bins) => _bins = bins;

    public IReadOnlyList<LayerStatistics> Measure(Module model)
    {
        var statistics = new List<LayerStatistics>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.dtype != ScalarType.Float32) continue;
            float[] values;
            using (var detached = parameter.detach()) values = detached.data<float>();
            var norm = Norm(values, null);
            double? ratio = _previous.TryGetValue(name, out var earlier) && earlier.Length == values.Length ? Norm(values, earlier) / Math.Max(norm, 1e-30) : null;
            double? gradientNorm = null;
            using (var gradient = parameter.grad)
            {
                if (gradient is not null) gradientNorm = Norm(gradient.data<float>(), null);
            }
            var (min, max, histogram) = Histogram(values);
            statistics.Add(new LayerStatistics(name, norm, ratio, gradientNorm, min, max, histogram));
            _previous[name] = values;
        }
        return statistics;
    }

    // ‖a - b‖ (or ‖a‖ without b), summed in double.
    private static double Norm(float[] a, float[]? b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = b is null ? a[i] : a[i] - (double)b[i];
            sum += d * d;
        }
        return Math.Sqrt(sum);
    }

    private (double min, double max, int[] counts) Histogram(float[] values)
    {
        var counts = new int[_bins];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (double.IsPositiveInfinity(min)) return (0, 0, counts);
        var width = (max - min) / _bins;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            var bin = width > 0 ? (int)((v - min) / width) : 0;
            counts[Math.Min(bin, _bins - 1)]++;
        }
        return (min, max, counts);
    }
}
