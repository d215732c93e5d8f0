using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Packs the validation cube (every validation image × epoch) into one little-endian buffer for wwwroot/js/cube.js:
/// <code>
/// "CVC1" | int32 epochs E, images N, classes K | int32[E] epoch | int32[N] label | int32[N] dataset index
/// float32[E·N] true-class probability (NaN unknown) | uint8[E·N] predicted class (255 unknown) | pad to 4
/// int32[E] step (the epoch's place on the run's time axis, capped at int32's largest)
/// </code>
/// The images are those of the first epoch; a later epoch that lacks one leaves it unknown.
/// </summary>
public static class CubeEncoder
{
    public static byte[] Encode(IReadOnlyList<CubeSlice> cube, int classes)
    {
        ArgumentNullException.ThrowIfNull(cube);
        var e = cube.Count;
        var first = e == 0 ? null : cube[0];
        var n = first?.Count ?? 0;
        using var stream = new MemoryStream();
        using var o = new BinaryWriter(stream);
        o.Write("CVC1"u8);
        o.Write(e);
        o.Write(n);
        o.Write(classes);
        foreach (var slice in cube) o.Write(slice.Epoch);
        for (var i = 0; i < n; i++) o.Write(first!.Labels[i]);
        for (var i = 0; i < n; i++) o.Write(first!.DatasetIndices[i]);
        var predicted = new byte[e * n];
        Array.Fill(predicted, (byte)255);
        for (var k = 0; k < e; k++)
        {
            var slice = cube[k];
            var at = new Dictionary<int, int>(slice.Count);
            for (var i = 0; i < slice.Count; i++) at.TryAdd(slice.DatasetIndices[i], i);
            for (var i = 0; i < n; i++)
            {
                if (at.TryGetValue(first!.DatasetIndices[i], out var j))
                {
                    o.Write(slice.TrueClassProbabilities[j]);
                    predicted[k * n + i] = (byte)Math.Clamp(slice.Predictions[j], 0, 254);
                }
                else o.Write(float.NaN);
            }
        }
        o.Write(predicted);
        while (stream.Position % 4 != 0) o.Write((byte)0);
        foreach (var slice in cube) o.Write((int)Math.Min(int.MaxValue, slice.Step));
        o.Flush();
        return stream.ToArray();
    }
}
