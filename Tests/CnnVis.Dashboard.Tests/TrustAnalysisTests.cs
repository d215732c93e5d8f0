using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Tests;

/// <summary>Drift lines from the stored Spearman values, and the marks where explanations changed but accuracy did not.</summary>
public sealed class TrustAnalysisTests
{
    private static readonly DateTime s_time = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void DriftIsOneMinusTheMeanSpearmanAndASharpChangeUnderStillAccuracyIsMarked()
    {
        var snapshots = Enumerable.Range(0, 6).Select(k => new SnapshotInfo(k + 1, k, k * 10L, k / 2 + 1, "schedule", s_time, 1)).ToList();
        // Probe 0 and 1: Spearman 0.9 everywhere but snapshot 4, where both drop (0.2 and 0.4).
        double? Spearman(int s, int p) => s == 0 ? null : s == 4 ? (p == 0 ? 0.2 : 0.4) : 0.9;
        var cells = snapshots.Select(s => Enumerable.Range(0, 2).Select(p =>
            (StoredMap?)new StoredMap(s.Sequence, p, "gradcam", "true", 0, 1, 1, 1, 0, 0, [0], Spearman(s.Sequence, p), null)).ToArray()).ToArray();
        var grid = new MapGrid("gradcam", "true", snapshots, [0, 1], cells);
        // Accuracy 0.80 at step 20, 0.81 at step 30: still (1 point) when snapshot 4 (step 40) is taken.
        var accuracy = new MetricSeries("val.accuracy", [20, 30], [1, 2], [0.80, 0.81]);
        var scores = new List<TrustScore> { new("gradcam", "true", "deletion-auc", 0.4) { Snapshot = 2 } };

        var trust = TrustAnalysis.Build(snapshots, [grid], scores, accuracy);

        var drift = Assert.Single(trust.Drift);
        Assert.Equal("gradcam · true", drift.Name);
        Assert.Null(drift.Values[0]);
        Assert.Equal(0.1, drift.Values[1]!.Value, 1e-12);
        Assert.Equal(1 - (0.2 + 0.4) / 2, drift.Values[4]!.Value, 1e-12);
        Assert.Equal([40L], trust.MarkedSteps);
        var faithfulness = Assert.Single(trust.Faithfulness);
        Assert.Equal("gradcam · true · deletion-auc", faithfulness.Name);
        Assert.Equal(0.4, faithfulness.Values[2]);
        Assert.Null(faithfulness.Values[3]);
    }

    [Fact]
    public void ASharpChangeWhileAccuracyMovedIsNotMarked()
    {
        var snapshots = Enumerable.Range(0, 6).Select(k => new SnapshotInfo(k + 1, k, k * 10L, 1, "schedule", s_time, 1)).ToList();
        var cells = snapshots.Select(s => new StoredMap?[] { new(s.Sequence, 0, "gradcam", "true", 0, 1, 1, 1, 0, 0, [0], s.Sequence == 0 ? null : s.Sequence == 4 ? 0.1 : 0.9, null) }).ToArray();
        var grid = new MapGrid("gradcam", "true", snapshots, [0], cells);
        var moving = new MetricSeries("val.accuracy", [20, 30], [1, 2], [0.50, 0.70]);
        Assert.Empty(TrustAnalysis.Build(snapshots, [grid], [], moving).MarkedSteps);
        // Before two epochs there is no accuracy change to compare with: nothing is marked either.
        Assert.Empty(TrustAnalysis.Build(snapshots, [grid], [], new MetricSeries("val.accuracy", [], [], [])).MarkedSteps);
    }
}
