using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// An RGB picture being composed in managed memory: grids are drawn pixel by pixel (text, frames) and from small
/// images, which is simpler and faster here than a tensor op per glyph. Drawing outside the picture is clipped.
/// </summary>
internal sealed class Canvas
{
    private readonly byte[] _pixels;

    public Canvas(int width, int height, Rgb background)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"a picture must be at least 1×1, got {width}×{height}");
        Width = width;
        Height = height;
        _pixels = new byte[checked(width * height * 3)];
        FillRect(new PixelRect(0, 0, width, height), background);
    }

    public int Width { get; }

    public int Height { get; }

    public Rgb this[int x, int y]
    {
        get
        {
            var at = 3 * (y * Width + x);
            return new Rgb(_pixels[at], _pixels[at + 1], _pixels[at + 2]);
        }
    }

    public void FillRect(PixelRect rect, Rgb colour)
    {
        int x0 = Math.Max(rect.X, 0), x1 = Math.Min(rect.Right, Width);
        int y0 = Math.Max(rect.Y, 0), y1 = Math.Min(rect.Bottom, Height);
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                var at = 3 * (y * Width + x);
                _pixels[at] = colour.R;
                _pixels[at + 1] = colour.G;
                _pixels[at + 2] = colour.B;
            }
        }
    }

    /// <summary>A frame <paramref name="thickness"/> pixels wide just inside <paramref name="rect"/>.</summary>
    public void DrawFrame(PixelRect rect, int thickness, Rgb colour)
    {
        FillRect(rect with { Height = thickness }, colour);
        FillRect(rect with { Y = rect.Bottom - thickness, Height = thickness }, colour);
        FillRect(rect with { Width = thickness }, colour);
        FillRect(rect with { X = rect.Right - thickness, Width = thickness }, colour);
    }

    /// <summary>Draws <paramref name="image"/> with every pixel a <paramref name="scale"/>×<paramref name="scale"/> block (nearest neighbour), top-left at (x, y).</summary>
    public void Draw(PixelImage image, int x, int y, int scale)
    {
        for (var row = 0; row < image.Height * scale; row++)
        {
            var ty = y + row;
            if (ty < 0 || ty >= Height) continue;
            var sourceRow = row / scale;
            for (var column = 0; column < image.Width * scale; column++)
            {
                var tx = x + column;
                if (tx < 0 || tx >= Width) continue;
                var (r, g, b) = image.At(column / scale, sourceRow);
                var at = 3 * (ty * Width + tx);
                _pixels[at] = r;
                _pixels[at + 1] = g;
                _pixels[at + 2] = b;
            }
        }
    }

    /// <summary>The picture as uint8 [Height, Width, 3]: a new tensor the caller owns.</summary>
    public Tensor ToTensor() => torch.tensor(_pixels, new long[] { Height, Width, 3 });
}
