using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Packs a run's maps of one method and target, probes × snapshots, into one compact little-endian buffer that
/// wwwroot/js/timeline.js draws on a canvas: each map as 8-bit codes over its own range with its offset and scale
/// (the stored 16-bit codes rounded: a colormap has 256 entries, so the picture is the same at half the bytes), the
/// prediction and true-class probability per cell, and the probe images once. Layout (all 4-byte aligned):
/// <code>
/// "CVT2" | int32 from, snapshots S, probes P, map H, map W, image C, image H, image W, classes K
/// int32[S] sequence | int32[S] epoch | int32[S] step
/// float32[S·P] offset | float32[S·P] scale | float32[S·P] true-class probability (NaN unknown)
/// uint8[S·P] predicted class (255 unknown) | uint8[S·P] present (1 = a map) | pad to 4
/// int32[P] label | int32[P] probe id | uint8[S·P·H·W] codes | uint8[P·C·H·W] images (only when from = 0)
/// </code>
/// Multi-channel maps (guided backprop) become one channel: the largest magnitude over channels, re-quantized.
/// </summary>
public static class TimelineEncoder
{
    // 65535 / 255: how many 16-bit code steps make one 8-bit step.
    private const int Step = 257;

    public static byte[] Encode(MapGrid grid, IReadOnlyList<ProbeRecord> probes, IReadOnlyList<IReadOnlyList<ProbeProbabilities>> probabilities,
        int classes, int from)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(probabilities);
        from = Math.Clamp(from, 0, grid.Snapshots.Count);
        var s = grid.Snapshots.Count - from;
        var p = grid.Probes.Count;
        var first = grid.Cells.Skip(from).SelectMany(row => row).FirstOrDefault(m => m is not null);
        var (h, w) = first is null ? (0, 0) : (first.Height, first.Width);
        var byProbe = probes.ToDictionary(x => x.Probe);
        var image = probes.Count == 0 ? null : probes[0];
        var (ic, ih, iw) = image is null ? (0, 0, 0) : (image.Channels, image.Height, image.Width);

        using var stream = new MemoryStream();
        using var o = new BinaryWriter(stream);
        o.Write("CVT2"u8);
        foreach (var v in new[] { from, s, p, h, w, ic, ih, iw, classes }) o.Write(v);
        for (var k = 0; k < s; k++) o.Write(grid.Snapshots[from + k].Sequence);
        for (var k = 0; k < s; k++) o.Write(grid.Snapshots[from + k].Epoch);
        for (var k = 0; k < s; k++) o.Write((int)Math.Min(int.MaxValue, grid.Snapshots[from + k].Step));

        var cells = new StoredMap?[s, p];
        var codes = new ushort[s][][];
        var offsets = new float[s * p];
        var scales = new float[s * p];
        for (var k = 0; k < s; k++)
        {
            codes[k] = new ushort[p][];
            for (var j = 0; j < p; j++)
            {
                var map = grid.Cells[from + k][j];
                if (map is null || map.Height != h || map.Width != w) continue;
                cells[k, j] = map;
                (offsets[k * p + j], scales[k * p + j], codes[k][j]) = OneChannel(map);
            }
        }
        foreach (var v in offsets) o.Write(v);
        // A 16-bit code c is the 8-bit code c / 257 (rounded): the same value at 257 times the step.
        foreach (var v in scales) o.Write(v * Step);
        var predicted = new byte[s * p];
        Array.Fill(predicted, (byte)255);
        for (var k = 0; k < s; k++)
        {
            var byId = (k < probabilities.Count ? probabilities[k] : []).ToDictionary(x => x.Probe);
            for (var j = 0; j < p; j++)
            {
                var probe = grid.Probes[j];
                var known = byId.TryGetValue(probe, out var row) && row.Probabilities.Length > 0 && byProbe.TryGetValue(probe, out _);
                var truth = known && byProbe[probe].Label < row!.Probabilities.Length ? row.Probabilities[byProbe[probe].Label] : float.NaN;
                o.Write(truth);
                if (known) predicted[k * p + j] = (byte)Math.Min(254, ArgMax(row!.Probabilities));
            }
        }
        o.Write(predicted);
        for (var k = 0; k < s; k++)
            for (var j = 0; j < p; j++) o.Write((byte)(cells[k, j] is null ? 0 : 1));
        while (stream.Position % 4 != 0) o.Write((byte)0);
        foreach (var probe in grid.Probes) o.Write(byProbe.TryGetValue(probe, out var r) ? r.Label : -1);
        foreach (var probe in grid.Probes) o.Write(probe);
        var blank = new ushort[h * w];
        var narrow = new byte[h * w];
        for (var k = 0; k < s; k++)
        {
            for (var j = 0; j < p; j++)
            {
                var cell = codes[k][j] ?? blank;
                for (var i = 0; i < narrow.Length; i++) narrow[i] = (byte)((cell[i] + Step / 2) / Step);
                o.Write(narrow);
            }
        }
        if (from == 0)
        {
            var size = ic * ih * iw;
            foreach (var probe in grid.Probes)
            {
                var bytes = byProbe.TryGetValue(probe, out var r) && r.Image.Length == size ? r.Image : new byte[size];
                o.Write(bytes);
            }
        }
        o.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// A map as the canvases draw it: one channel of 8-bit codes with its offset and the scale of one 8-bit step
    /// (value = offset + code × scale).
    /// </summary>
    public static (float Offset, float Scale, byte[] Codes) EightBit(StoredMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var (offset, scale, codes) = OneChannel(map);
        var narrow = new byte[codes.Length];
        for (var i = 0; i < codes.Length; i++) narrow[i] = (byte)((codes[i] + Step / 2) / Step);
        return (offset, scale * Step, narrow);
    }

    private static (float Offset, float Scale, ushort[] Codes) OneChannel(StoredMap map)
    {
        if (map.Channels == 1) return ((float)map.Offset, (float)map.Scale, map.Codes);
        var values = map.Values();
        var plane = map.Height * map.Width;
        var magnitude = new float[plane];
        for (var c = 0; c < map.Channels; c++)
            for (var i = 0; i < plane; i++) magnitude[i] = Math.Max(magnitude[i], Math.Abs(values[c * plane + i]));
        var max = magnitude.Where(float.IsFinite).DefaultIfEmpty(0f).Max();
        var scale = max / ushort.MaxValue;
        var codes = new ushort[plane];
        if (scale > 0)
            for (var i = 0; i < plane; i++) codes[i] = float.IsFinite(magnitude[i]) ? (ushort)Math.Round(Math.Min(magnitude[i], max) / scale) : (ushort)0;
        return (0f, scale, codes);
    }

    private static int ArgMax(IReadOnlyList<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
