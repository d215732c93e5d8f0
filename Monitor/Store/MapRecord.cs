namespace CnnVis.Monitor.Store;

/// <summary>
/// A map as the monitor hands it to the writer: raw float values, C × H × W (C = 1 for a heat map), the class it
/// explains, and its drift against the same probe, method and target at the previous snapshot (null at the first).
/// </summary>
public sealed record MapRecord(int Probe, string Method, string Target, int Class, int Channels, int Height, int Width, float[] Values,
    double? DriftSpearman = null, double? DriftIou = null)
{
    /// <summary>The same map at the method's natural resolution, when that differs from the input's (CAM methods); else null.</summary>
    public NaturalMap? Natural { get; init; }
}
