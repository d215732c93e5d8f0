namespace CnnVis.Monitor.Store;

/// <summary>A planned snapshot the monitor did not take, and why (usually its share of wall time).</summary>
public sealed record SkippedSnapshot(long Step, int Epoch, string Reason, DateTime CreatedUtc);
