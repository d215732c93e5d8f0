namespace CnnVis.Monitor.Store;

/// <summary>Everything one snapshot writes, in one transaction: whole or not at all.</summary>
public sealed record SnapshotRecord(long Step, int Epoch, string Reason, double CostMilliseconds)
{
    public IReadOnlyList<MapRecord> Maps { get; init; } = [];
    public IReadOnlyList<ProbeProbabilities> Probabilities { get; init; } = [];
    public IReadOnlyList<ChannelWeights> ChannelWeights { get; init; } = [];
    public FilterImage? Filters { get; init; }
    public IReadOnlyList<LayerStatistics> Layers { get; init; } = [];
    public IReadOnlyList<TrustScore> Trust { get; init; } = [];
}
