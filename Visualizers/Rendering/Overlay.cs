using CnnVis.Torch;
using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// A heat map laid over the image it explains: the colormap's picture of the heat drawn over the image with
/// opacity α, (1 − α) · image + α · colormap(heat). The colours are ours (<see cref="Colormap"/>); Skia composites,
/// with α in 8 bits, so a blended channel may differ by one level from the exact formula.
/// </summary>
public static class Overlay
{
    /// <summary>
    /// Blends <paramref name="heat"/> ([H, W] or [N, H, W], already in [0, 1]) over <paramref name="image"/>
    /// ([C, H, W] or [N, C, H, W] in [0, 1], one or three channels) and gives uint8 [H, W, 3] or [N, H, W, 3].
    /// </summary>
    public static Tensor Blend(Tensor image, Tensor heat, Colormap colormap, double alpha = 0.5)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(heat);
        ArgumentNullException.ThrowIfNull(colormap);
        if (alpha is < 0 or > 1 || double.IsNaN(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), $"alpha must be between 0 and 1, got {alpha}");
        var batched = image.Dimensions == 4;
        if (!batched && image.Dimensions != 3)
            throw new ArgumentException($"the image must be [C, H, W] or [N, C, H, W], got shape [{string.Join(", ", image.shape)}]", nameof(image));
        var imageShape = image.shape;
        var channels = imageShape[batched ? 1 : 0];
        if (channels is not (1 or 3)) throw new ArgumentException($"the image must have 1 or 3 channels, got {channels}", nameof(image));
        var expectedHeat = batched ? new[] { imageShape[0], imageShape[2], imageShape[3] } : imageShape[1..];
        if (!heat.shape.SequenceEqual(expectedHeat))
            throw new ArgumentException($"the heat map has shape [{string.Join(", ", heat.shape)}] but the image needs [{string.Join(", ", expectedHeat)}]", nameof(heat));

        SkiaRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        var pixels = Pixels.FromUnitRange(image);
        var colours = colormap.Apply(heat);
        if (!batched) return scope.MoveToOuter(Composite(pixels, colours, alpha));
        var blended = Enumerable.Range(0, (int)imageShape[0]).Select(i => Composite(pixels.select(0, i), colours.select(0, i), alpha)).ToArray();
        return scope.MoveToOuter(torch.stack(blended));
    }

    // One image: uint8 [H, W, 1 or 3] under uint8 [H, W, 3] at opacity alpha.
    private static Tensor Composite(Tensor pixels, Tensor colours, double alpha)
    {
        var below = PixelImage.From(pixels, "the image");
        var above = PixelImage.From(colours, "the coloured heat map");
        using var bitmap = below.ToBitmap();
        using (var canvas = new SKCanvas(bitmap))
        using (var image = above.ToImage())
        using (var paint = new SKPaint { Color = SKColors.White.WithAlpha((byte)Math.Round(alpha * 255)), BlendMode = SKBlendMode.SrcOver })
        {
            canvas.DrawImage(image, 0, 0, TileGrid.Sharp, paint);
        }
        return PixelImage.ToTensor(bitmap);
    }
}
