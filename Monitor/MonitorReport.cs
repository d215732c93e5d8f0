namespace CnnVis.Monitor;

/// <summary>What the monitor did in a run: snapshots taken and skipped, what they cost, and its share of wall time.</summary>
public sealed record MonitorReport(string StorePath, long RunId, int Snapshots, int Skipped, double SnapshotMillisecondsMedian, double MonitorSeconds,
    double WallSeconds)
{
    /// <summary>The monitor's share of the run's wall time, 0 to 1.</summary>
    public double Share => WallSeconds > 0 ? MonitorSeconds / WallSeconds : 0;

    /// <summary>The snapshots' median cost in the process's CPU time (all threads), steadier than wall time on a loaded machine.</summary>
    public double SnapshotCpuMillisecondsMedian { get; init; }

    /// <summary>Where the snapshots' time went, phase by phase, in the order the phases first ran.</summary>
    public IReadOnlyList<SnapshotPhaseCost> Phases { get; init; } = [];
}
