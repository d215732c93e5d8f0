using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Maps values in [0, 1] to colours through a 256-entry table, as matplotlib does (value v takes entry
/// ⌊256·v⌋, clipped). Jet follows matplotlib's piecewise-linear definition; viridis and inferno are linear
/// between eleven stops of matplotlib's tables (0, 0.1, ..., 1), close enough that the eye cannot tell.
/// </summary>
public sealed class Colormap
{
    private const int Entries = 256;
    private readonly byte[] _table;

    private Colormap(string name, Func<double, (double r, double g, double b)> colourOf)
    {
        Name = name;
        _table = new byte[Entries * 3];
        for (var i = 0; i < Entries; i++)
        {
            var (r, g, b) = colourOf(i / (double)(Entries - 1));
            _table[3 * i] = ToByte(r);
            _table[3 * i + 1] = ToByte(g);
            _table[3 * i + 2] = ToByte(b);
        }
    }

    public string Name { get; }

    /// <summary>Blue through cyan, yellow and red (matplotlib's jet).</summary>
    public static Colormap Jet { get; } = new("jet", v => (
        Segments(v, (0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)),
        Segments(v, (0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)),
        Segments(v, (0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0))));

    /// <summary>Dark purple through teal to yellow; perceptually uniform and readable in grey.</summary>
    public static Colormap Viridis { get; } = Stops("viridis",
        0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c, 0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725);

    /// <summary>Black through purple and orange to pale yellow; perceptually uniform.</summary>
    public static Colormap Inferno { get; } = Stops("inferno",
        0x000004, 0x160b39, 0x420a68, 0x6a176e, 0x932667, 0xbc3754, 0xdd513a, 0xf37819, 0xfca50a, 0xf6d746, 0xfcffa4);

    /// <summary>Black to white.</summary>
    public static Colormap Grey { get; } = new("grey", v => (v, v, v));

    public static IReadOnlyList<Colormap> All { get; } = new[] { Jet, Viridis, Inferno, Grey };

    /// <summary>The colormap called <paramref name="name"/> (any case; "gray" too); the error lists the known ones.</summary>
    public static Colormap FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var wanted = name.Trim().ToLowerInvariant();
        if (wanted == "gray") wanted = "grey";
        return All.FirstOrDefault(c => c.Name == wanted)
            ?? throw new ArgumentException($"unknown colormap '{name}': use one of {string.Join(", ", All.Select(c => c.Name))}", nameof(name));
    }

    /// <summary>The colour of <paramref name="value"/> (clipped to [0, 1]; NaN counts as 0).</summary>
    public (byte r, byte g, byte b) ColourOf(double value)
    {
        var i = EntryOf(value);
        return (_table[3 * i], _table[3 * i + 1], _table[3 * i + 2]);
    }

    /// <summary>Colours values in [0, 1] of any shape [...]: uint8 [..., 3].</summary>
    public Tensor Apply(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var scope = torch.NewDisposeScope();
        var v = values.to(ScalarType.Float32);
        v = torch.where(v.ne(v), torch.zeros_like(v), v); // NaN ≠ NaN: a missing value shows as the lowest colour
        var entries = (v * Entries).floor().clamp(0, Entries - 1).to(ScalarType.Int64);
        var table = torch.tensor(_table, new long[] { Entries, 3 });
        var coloured = table.index_select(0, entries.flatten()).reshape(values.shape.Append(3L).ToArray());
        return scope.MoveToOuter(coloured);
    }

    public override string ToString() => Name;

    private static int EntryOf(double value)
    {
        if (double.IsNaN(value)) return 0;
        return (int)Math.Clamp(Math.Floor(value * Entries), 0, Entries - 1);
    }

    private static byte ToByte(double channel) => (byte)Math.Round(Math.Clamp(channel, 0, 1) * 255);

    /// <summary>Linear interpolation through (x, y) points with increasing x.</summary>
    private static double Segments(double v, params (double x, double y)[] points)
    {
        for (var k = 1; k < points.Length; k++)
        {
            if (v <= points[k].x)
            {
                var (x0, y0) = points[k - 1];
                var (x1, y1) = points[k];
                return x1 == x0 ? y1 : y0 + (y1 - y0) * (v - x0) / (x1 - x0);
            }
        }
        return points[^1].y;
    }

    private static Colormap Stops(string name, params int[] rgb)
    {
        double Channel(int colour, int shift) => ((colour >> shift) & 0xff) / 255.0;
        var step = 1.0 / (rgb.Length - 1);
        (double, double)[] Curve(int shift) => rgb.Select((c, k) => (k * step, Channel(c, shift))).ToArray();
        var red = Curve(16);
        var green = Curve(8);
        var blue = Curve(0);
        return new Colormap(name, v => (Segments(v, red), Segments(v, green), Segments(v, blue)));
    }
}
