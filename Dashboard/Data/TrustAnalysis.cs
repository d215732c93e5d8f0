using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Turns the stored drift and trust scores into the trust view's lines. Drift is 1 − Spearman correlation with the
/// same probe's map at the previous snapshot, averaged over probes. A snapshot is marked when some method's drift is
/// well above its usual level (above twice the run's median drift, and above 0.2) while validation accuracy moved
/// less than 2 points between the last two epochs: the explanation changed, the score did not. The median, not the
/// mean, so one sharp change does not hide itself by raising the bar.
/// </summary>
public static class TrustAnalysis
{
    public const double AccuracyStill = 0.02;
    public const double DriftFloor = 0.2;

    public static TrustSeries Build(IReadOnlyList<SnapshotInfo> snapshots, IReadOnlyList<MapGrid> grids, IReadOnlyList<TrustScore> scores, MetricSeries accuracy)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(grids);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(accuracy);
        var column = snapshots.Select((s, k) => (s.Sequence, k)).ToDictionary(x => x.Sequence, x => x.k);
        var drift = grids.Select(grid =>
        {
            var values = new double?[snapshots.Count];
            for (var s = 0; s < grid.Snapshots.Count; s++)
            {
                var known = grid.Cells[s].Where(m => m?.DriftSpearman is not null).Select(m => 1 - m!.DriftSpearman!.Value).ToList();
                if (known.Count > 0 && column.TryGetValue(grid.Snapshots[s].Sequence, out var k)) values[k] = known.Average();
            }
            return new TrustLine($"{grid.Method} · {grid.Target}", values);
        }).Where(line => line.Values.Any(v => v is not null)).ToList();

        var faithfulness = scores.GroupBy(t => (t.Method, t.Target, t.Metric)).OrderBy(g => g.Key).Select(g =>
        {
            var values = new double?[snapshots.Count];
            foreach (var t in g)
                if (column.TryGetValue(t.Snapshot, out var k) && double.IsFinite(t.Value)) values[k] = t.Value;
            return new TrustLine($"{g.Key.Method} · {g.Key.Target} · {g.Key.Metric}", values);
        }).ToList();

        var marked = new List<long>();
        foreach (var line in drift)
        {
            var known = line.Values.Where(v => v is not null).Select(v => v!.Value).Order().ToList();
            if (known.Count < 3) continue;
            var median = known.Count % 2 == 1 ? known[known.Count / 2] : (known[known.Count / 2 - 1] + known[known.Count / 2]) / 2;
            for (var k = 0; k < snapshots.Count; k++)
            {
                if (line.Values[k] is not { } v || v <= DriftFloor || v <= 2 * median) continue;
                if (AccuracyChange(accuracy, snapshots[k].Step) is { } change && change < AccuracyStill) marked.Add(snapshots[k].Step);
            }
        }
        return new TrustSeries(snapshots.Select(s => s.Sequence).ToList(), snapshots.Select(s => s.Step).ToList(), drift, faithfulness,
            marked.Distinct().Order().ToList());
    }

    // How much validation accuracy moved between the last two epochs at or before the step (null before two epochs).
    private static double? AccuracyChange(MetricSeries accuracy, long step)
    {
        var last = -1;
        for (var i = 0; i < accuracy.Count && accuracy.Steps[i] <= step; i++) last = i;
        return last >= 1 ? Math.Abs(accuracy.Values[last] - accuracy.Values[last - 1]) : null;
    }
}
