namespace CnnVis.Monitor.Store;

/// <summary>
/// One run as the store knows it. <see cref="Status"/> is what a reader should show: a run still marked running
/// whose owner process is gone, or whose heartbeat stopped, reads as interrupted.
/// </summary>
public sealed record RunSummary(long Id, string Name, RunStatus Status, string? Message, string Dataset, string Model, string Configuration,
    IReadOnlyList<string> ClassNames, int EpochsPlanned, int EpochsDone, double? BestAccuracy, int Snapshots, string? CheckpointDirectory,
    DateTime StartedUtc, DateTime? EndedUtc, DateTime HeartbeatUtc, int? OwnerProcessId, string? OwnerHost, long ChangeCounter);
