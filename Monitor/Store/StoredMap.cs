namespace CnnVis.Monitor.Store;

/// <summary>
/// A map as stored: 16-bit codes with the map's own offset and scale (value = offset + code × scale), C × H × W,
/// and its drift against the previous snapshot. <see cref="Values"/> turns it back into floats.
/// </summary>
public sealed record StoredMap(int Snapshot, int Probe, string Method, string Target, int Class, int Channels, int Height, int Width,
    double Offset, double Scale, ushort[] Codes, double? DriftSpearman, double? DriftIou)
{
    /// <summary>The map's values, within half a <see cref="Scale"/> of what was written.</summary>
    public float[] Values() => MapQuantizer.Decode(Codes, Offset, Scale);
}
