namespace CnnVis.Monitor.Store;

/// <summary>
/// One snapshot of a run: its place in the run's sequence (0 is the untrained model), the step and epoch it was
/// taken at, why (start, schedule, epoch end, end) and what it cost the monitor in milliseconds.
/// </summary>
public sealed record SnapshotInfo(long Id, int Sequence, long Step, int Epoch, string Reason, DateTime CreatedUtc, double CostMilliseconds);
