using System.Globalization;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Reads a run for shortcut learning when its training images carried the synthetic dataset's spurious marker (which
/// validation images never carry): a network that learnt the marker instead of the shape scores well in training and
/// falls behind on validation, and its explanations put little of their energy on the object.
/// </summary>
public static class ShortcutCheck
{
    /// <summary>A training lead over validation accuracy of this much (10 points) reads as the shortcut at work.</summary>
    public const double GapThreshold = 0.10;

    /// <summary>The marker's correlation from a dataset spec such as <c>synthetic-shapes?size=32&amp;marker=0.9</c>; null without one.</summary>
    public static double? MarkerOf(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var query = dataset.IndexOf('?', StringComparison.Ordinal);
        if (query < 0) return null;
        foreach (var pair in dataset[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2 && parts[0].Trim() == "marker"
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var marker) && marker > 0)
                return marker;
        }
        return null;
    }

    /// <returns>Null when the run's dataset has no marker (nothing to read).</returns>
    public static ShortcutReading? Read(RunSummary run, MetricSeries trainAccuracy, MetricSeries validationAccuracy, TrustSeries trust)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(trainAccuracy);
        ArgumentNullException.ThrowIfNull(validationAccuracy);
        ArgumentNullException.ThrowIfNull(trust);
        if (MarkerOf(run.Dataset) is not { } marker) return null;
        // The last epoch that has both accuracies.
        var validationByEpoch = new Dictionary<int, double>();
        for (var i = 0; i < validationAccuracy.Count; i++) validationByEpoch[validationAccuracy.Epochs[i]] = validationAccuracy.Values[i];
        double? train = null, validation = null;
        for (var i = trainAccuracy.Count - 1; i >= 0; i--)
        {
            if (!validationByEpoch.TryGetValue(trainAccuracy.Epochs[i], out var v)) continue;
            (train, validation) = (trainAccuracy.Values[i], v);
            break;
        }
        var energy = trust.Faithfulness.FirstOrDefault(l => l.Name.EndsWith("energy-in-mask", StringComparison.Ordinal));
        var known = energy?.Values.Where(v => v is not null).Select(v => v!.Value).ToList() ?? [];
        double? first = known.Count > 0 ? known[0] : null, last = known.Count > 0 ? known[^1] : null;

        var planted = $"Training images carried a planted shortcut: a marker square that names the class {Percent(marker)} of the time; validation images never have it.";
        var energyText = last is { } e ? $" The explanations put {Percent(e)} of their energy on the object" + (first is { } f && known.Count > 1 ? $" (first snapshot: {Percent(f)})." : ".") : "";
        if (train is not { } t || validation is not { } val)
            return new ShortcutReading(marker, train, validation, first, last, false, $"{planted} No epoch has both accuracies yet.{energyText}");
        var gap = t - val;
        var suspected = gap >= GapThreshold;
        var verdict = suspected
            ? $"{planted} Shortcut learning shows: training accuracy {Percent(t)} against validation {Percent(val)}, {Points(gap)} ahead, so the network scores on the marker rather than the shape.{energyText}"
            : $"{planted} No sign of it yet: training accuracy {Percent(t)} and validation {Percent(val)} are within {Points(GapThreshold)}.{energyText}";
        return new ShortcutReading(marker, t, val, first, last, suspected, verdict);
    }

    private static string Percent(double value) => (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Points(double value) => (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + " points";
}
