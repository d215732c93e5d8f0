namespace CnnVis.Monitor;

/// <summary>
/// What one phase of the monitor's snapshots cost: the median over the snapshots that ran it, in wall time and in
/// the process's CPU time (on a loaded machine the CPU figure is the steadier one).
/// </summary>
public sealed record SnapshotPhaseCost(string Phase, int Snapshots, double WallMillisecondsMedian, double CpuMillisecondsMedian);
