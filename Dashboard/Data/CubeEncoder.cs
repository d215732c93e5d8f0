using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Packs the validation cube (every validation image × epoch) into one little-endian buffer. The whole cube:
/// <code>
/// "CVC1" | int32 epochs E, images N, classes K | int32[E] epoch | int32[N] label | int32[N] dataset index
/// float32[E·N] true-class probability (NaN unknown) | uint8[E·N] predicted class (255 unknown) | pad to 4
/// int32[E] step (the epoch's place on the run's time axis, capped at int32's largest)
/// </code>
/// The epochs from the <c>from</c>-th on, for a live page that holds the first <c>from</c> (wwwroot/js/cube.js): the
/// images' labels and indices come only when from = 0, since a page that holds an epoch holds them already.
/// <code>
/// "CVC2" | int32 from, epochs E, images N, classes K | int32[E] epoch | int32[E] step
/// int32[N] label | int32[N] dataset index (only when from = 0) | float32[E·N] | uint8[E·N] | pad to 4
/// </code>
/// The images are those of the first epoch; a later epoch that lacks one leaves it unknown.
/// </summary>
public static class CubeEncoder
{
    public static byte[] Encode(IReadOnlyList<CubeSlice> cube, int classes)
    {
        ArgumentNullException.ThrowIfNull(cube);
        var first = cube.Count == 0 ? null : cube[0];
        using var stream = new MemoryStream();
        using var o = new BinaryWriter(stream);
        o.Write("CVC1"u8);
        o.Write(cube.Count);
        o.Write(first?.Count ?? 0);
        o.Write(classes);
        foreach (var slice in cube) o.Write(slice.Epoch);
        WriteImages(o, first);
        WriteEpochs(o, cube, first, 0);
        foreach (var slice in cube) o.Write(Step(slice));
        o.Flush();
        return stream.ToArray();
    }

    /// <summary>The epochs after the first <paramref name="from"/> (at most the cube's epochs), in the "CVC2" layout.</summary>
    public static byte[] EncodeFrom(IReadOnlyList<CubeSlice> cube, int classes, int from)
    {
        ArgumentNullException.ThrowIfNull(cube);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, cube.Count);
        var first = cube.Count == 0 ? null : cube[0];
        using var stream = new MemoryStream();
        using var o = new BinaryWriter(stream);
        o.Write("CVC2"u8);
        o.Write(from);
        o.Write(cube.Count - from);
        o.Write(first?.Count ?? 0);
        o.Write(classes);
        for (var k = from; k < cube.Count; k++) o.Write(cube[k].Epoch);
        for (var k = from; k < cube.Count; k++) o.Write(Step(cube[k]));
        if (from == 0) WriteImages(o, first);
        WriteEpochs(o, cube, first, from);
        o.Flush();
        return stream.ToArray();
    }

    private static int Step(CubeSlice slice) => (int)Math.Min(int.MaxValue, slice.Step);

    private static void WriteImages(BinaryWriter o, CubeSlice? first)
    {
        if (first is null) return;
        foreach (var label in first.Labels) o.Write(label);
        foreach (var index in first.DatasetIndices) o.Write(index);
    }

    // Probabilities then predictions of epochs from..E, laid out on the first epoch's images, then padding to 4 bytes.
    private static void WriteEpochs(BinaryWriter o, IReadOnlyList<CubeSlice> cube, CubeSlice? first, int from)
    {
        var n = first?.Count ?? 0;
        var predicted = new byte[(cube.Count - from) * n];
        Array.Fill(predicted, (byte)255);
        for (var k = from; k < cube.Count; k++)
        {
            var slice = cube[k];
            var at = new Dictionary<int, int>(slice.Count);
            for (var i = 0; i < slice.Count; i++) at.TryAdd(slice.DatasetIndices[i], i);
            for (var i = 0; i < n; i++)
            {
                if (at.TryGetValue(first!.DatasetIndices[i], out var j))
                {
                    o.Write(slice.TrueClassProbabilities[j]);
                    predicted[(k - from) * n + i] = (byte)Math.Clamp(slice.Predictions[j], 0, 254);
                }
                else o.Write(float.NaN);
            }
        }
        o.Write(predicted);
        while (o.BaseStream.Position % 4 != 0) o.Write((byte)0);
    }
}
