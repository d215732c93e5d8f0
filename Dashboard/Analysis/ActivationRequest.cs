using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// Activation-maximization images to make with a stored checkpoint: for classes (<paramref name="Layer"/> null) or
/// for channels of <paramref name="Layer"/>, one image per index, each after <paramref name="Steps"/> ascent steps.
/// </summary>
public sealed record ActivationRequest(long RunId, CheckpointRecord Checkpoint, string? Layer, IReadOnlyList<int> Indices, int Steps);
