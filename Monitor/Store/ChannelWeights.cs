namespace CnnVis.Monitor.Store;

/// <summary>Grad-CAM's weight for each channel of <see cref="Layer"/> for a probe and target: which filters drove the map.</summary>
public sealed record ChannelWeights(int Probe, string Target, string Layer, float[] Weights)
{
    public int Snapshot { get; init; }
}
