using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Tests;

/// <summary>Rendered pixels, uint8 [H, W, 3], read back by (x, y).</summary>
internal sealed class RenderedPicture(Tensor pixels)
{
    private readonly byte[] _bytes = pixels.data<byte>();

    public int Height { get; } = (int)pixels.size(0);

    public int Width { get; } = (int)pixels.size(1);

    public Rgb this[int x, int y] => new(_bytes[3 * (y * Width + x)], _bytes[3 * (y * Width + x) + 1], _bytes[3 * (y * Width + x) + 2]);

    /// <summary>Every pixel of <paramref name="area"/> with its colour.</summary>
    public IEnumerable<(int x, int y, Rgb colour)> In(PixelRect area)
    {
        for (var y = area.Y; y < area.Bottom; y++)
            for (var x = area.X; x < area.Right; x++)
                yield return (x, y, this[x, y]);
    }

    /// <summary>Where two pictures of one size differ.</summary>
    public static List<(int x, int y)> Differences(RenderedPicture a, RenderedPicture b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var found = new List<(int, int)>();
        for (var y = 0; y < a.Height; y++)
            for (var x = 0; x < a.Width; x++)
                if (a[x, y] != b[x, y]) found.Add((x, y));
        return found;
    }
}
