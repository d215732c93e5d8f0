namespace CnnVis.Monitor.Store;

/// <summary>
/// One parameter of the model at a snapshot: its L2 norm, the update ratio ‖ΔW‖ / ‖W‖ since the previous snapshot
/// (null at the first), the L2 norm of its gradient at the last step (null before any step), and a histogram of its
/// values over [<see cref="HistogramMin"/>, <see cref="HistogramMax"/>] in equal bins.
/// </summary>
public sealed record LayerStatistics(string Layer, double WeightNorm, double? UpdateRatio, double? GradientNorm, double HistogramMin,
    double HistogramMax, int[] Histogram)
{
    /// <summary>The snapshot's sequence number (set when read back).</summary>
    public int Snapshot { get; init; }

    public long Step { get; init; }
}
