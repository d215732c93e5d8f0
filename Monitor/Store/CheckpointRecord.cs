namespace CnnVis.Monitor.Store;

/// <summary>A checkpoint folder of a run, referenced by path with the SHA-256 and size of its model file.</summary>
public sealed record CheckpointRecord(int Epoch, long Step, bool EndOfEpoch, string Path, string Sha256, long Bytes, DateTime CreatedUtc);
