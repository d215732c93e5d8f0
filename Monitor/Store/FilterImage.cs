namespace CnnVis.Monitor.Store;

/// <summary>The first convolution's weights at a snapshot, raw: Count × Channels × Height × Width floats.</summary>
public sealed record FilterImage(string Layer, int Count, int Channels, int Height, int Width, float[] Weights)
{
    public int Snapshot { get; init; }

    public long Step { get; init; }
}
