namespace CnnVis.Monitor.Store;

/// <summary>
/// How far a method's maps can be trusted at a snapshot, averaged over the probes: "deletion-auc" (lower is more
/// faithful), "pointing-game" and "energy-in-mask" (higher is better; only for datasets with object masks).
/// </summary>
public sealed record TrustScore(string Method, string Target, string Metric, double Value)
{
    public int Snapshot { get; init; }
}
