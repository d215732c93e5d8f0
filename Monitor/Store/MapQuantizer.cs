namespace CnnVis.Monitor.Store;

/// <summary>
/// Maps stored as 16-bit codes over their own range: offset = min, scale = (max - min) / 65535, so a stored value
/// is within scale / 2 of the original. A constant map has scale 0. Non-finite values (a diverged model's maps) are
/// stored as the offset, and the range is taken over the finite values only.
/// </summary>
internal static class MapQuantizer
{
    private const int Levels = ushort.MaxValue;

    public static (double offset, double scale, ushort[] codes) Encode(ReadOnlySpan<float> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (double.IsPositiveInfinity(min)) (min, max) = (0, 0);
        var scale = (max - min) / Levels;
        var codes = new ushort[values.Length];
        if (scale > 0)
        {
            for (var i = 0; i < values.Length; i++)
            {
                var v = values[i];
                codes[i] = float.IsFinite(v) ? (ushort)Math.Clamp(Math.Round((v - min) / scale), 0, Levels) : (ushort)0;
            }
        }
        return (min, scale, codes);
    }

    public static float[] Decode(ReadOnlySpan<ushort> codes, double offset, double scale)
    {
        var values = new float[codes.Length];
        for (var i = 0; i < codes.Length; i++) values[i] = (float)(offset + codes[i] * scale);
        return values;
    }
}
