namespace CnnVis.Monitor;

/// <summary>What the monitor did in a run: snapshots taken and skipped, what they cost, and its share of wall time.</summary>
public sealed record MonitorReport(string StorePath, long RunId, int Snapshots, int Skipped, double SnapshotMillisecondsMedian, double MonitorSeconds,
    double WallSeconds)
{
    /// <summary>The monitor's share of the run's wall time, 0 to 1.</summary>
    public double Share => WallSeconds > 0 ? MonitorSeconds / WallSeconds : 0;
}
