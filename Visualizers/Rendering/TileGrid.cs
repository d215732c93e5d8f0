using CnnVis.Torch;
using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Small pictures of one size (filters, feature maps) laid out row by row on a dark background, each upscaled by a
/// whole number (nearest neighbour, so every weight stays a sharp square) so that its longer side reaches at least
/// the tile size.
/// </summary>
public static class TileGrid
{
    public static Rgb Background { get; } = Rgb.Grey(48);

    /// <summary>Blank pixels between tiles and around the grid.</summary>
    public const int Gap = 2;

    /// <summary>
    /// Lays out <paramref name="tiles"/>, uint8 [T, h, w, 1 or 3], <paramref name="columns"/> to a row (by default
    /// as square a grid as fits them). Gives uint8 [H, W, 3], a new tensor the caller owns.
    /// </summary>
    public static Tensor Render(Tensor tiles, int tileSize = 32, int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        var shape = tiles.shape;
        if (tiles.dtype != ScalarType.Byte || shape.Length != 4 || shape[3] is not (1 or 3) || shape[0] < 1)
            throw new ArgumentException($"tiles must be uint8 pixels [T, h, w, 1 or 3] with at least one tile, got {tiles.dtype} [{string.Join(", ", shape)}]", nameof(tiles));
        if (tileSize < 1) throw new ArgumentOutOfRangeException(nameof(tileSize), $"the tile size must be at least 1 pixel, got {tileSize}");
        var count = (int)shape[0];
        var across = columns ?? (int)Math.Ceiling(Math.Sqrt(count));
        if (across < 1) throw new ArgumentOutOfRangeException(nameof(columns), $"a grid needs at least one column, got {across}");
        across = Math.Min(across, count);
        var down = (count + across - 1) / across;
        int height = (int)shape[1], width = (int)shape[2];
        var longer = Math.Max(height, width);
        var scale = Math.Max(1, (tileSize + longer - 1) / longer);
        int tileWidth = width * scale, tileHeight = height * scale;

        using var bitmap = PixelImage.NewCanvasBitmap(Gap + across * (tileWidth + Gap), Gap + down * (tileHeight + Gap), Background);
        using (var canvas = new SKCanvas(bitmap))
        {
            for (var k = 0; k < count; k++)
            {
                using var tile = tiles.select(0, k);
                using var image = PixelImage.From(tile, $"tile {k}").ToImage();
                var x = Gap + (k % across) * (tileWidth + Gap);
                var y = Gap + (k / across) * (tileHeight + Gap);
                canvas.DrawImage(image, SKRect.Create(x, y, tileWidth, tileHeight), Sharp, null);
            }
        }
        return PixelImage.ToTensor(bitmap);
    }

    /// <summary>Upscaling that keeps every source pixel a square of one colour.</summary>
    internal static SKSamplingOptions Sharp { get; } = new(SKFilterMode.Nearest, SKMipmapMode.None);
}
