using System.Runtime.InteropServices;
using CnnVis.Torch;
using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Pixels between the engine and Skia: a uint8 [H, W, C] tensor (C = 1, 3 or 4) copied into managed memory as
/// 8-bit RGBA, so a grid can keep its cells without keeping the caller's tensors alive, and a Skia bitmap read
/// back into a tensor.
/// </summary>
internal sealed class PixelImage
{
    private readonly byte[] _rgba;

    private PixelImage(byte[] rgba, int height, int width, bool opaque)
    {
        _rgba = rgba;
        Height = height;
        Width = width;
        Opaque = opaque;
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>False when the tensor had an alpha channel (kept as it was, not premultiplied).</summary>
    public bool Opaque { get; }

    /// <summary>Copies <paramref name="pixels"/>, uint8 [H, W, 1 or 3] (or 4 with <paramref name="allowAlpha"/>); <paramref name="what"/> names it in errors.</summary>
    public static PixelImage From(Tensor pixels, string what, bool allowAlpha = false)
    {
        ArgumentNullException.ThrowIfNull(pixels, what);
        var shape = pixels.shape;
        var channelsOk = shape.Length == 3 && (shape[2] is 1 or 3 || (allowAlpha && shape[2] == 4));
        if (pixels.dtype != ScalarType.Byte || !channelsOk || shape[0] < 1 || shape[1] < 1)
            throw new ArgumentException($"{what} must be uint8 pixels [H, W, {(allowAlpha ? "1, 3 or 4" : "1 or 3")}], got {pixels.dtype} [{string.Join(", ", shape)}]");
        int height = (int)shape[0], width = (int)shape[1], channels = (int)shape[2];
        using var contiguous = pixels.contiguous();
        var source = contiguous.data<byte>();
        var rgba = new byte[checked(height * width * 4)];
        for (int p = 0, s = 0; p < rgba.Length; p += 4, s += channels)
        {
            rgba[p] = source[s];
            rgba[p + 1] = source[channels == 1 ? s : s + 1];
            rgba[p + 2] = source[channels == 1 ? s : s + 2];
            rgba[p + 3] = channels == 4 ? source[s + 3] : (byte)255;
        }
        return new PixelImage(rgba, height, width, channels != 4);
    }

    public SKImageInfo Info => new(Width, Height, SKColorType.Rgba8888, Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);

    /// <summary>A Skia bitmap of these pixels: a copy the caller disposes.</summary>
    public SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(Info);
        Marshal.Copy(_rgba, 0, bitmap.GetPixels(), _rgba.Length);
        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    /// <summary>An immutable Skia image of these pixels, to draw: a copy the caller disposes.</summary>
    public SKImage ToImage() =>
        SKImage.FromPixelCopy(Info, _rgba) ?? throw new InvalidOperationException($"Skia could not make a {Width}×{Height} image");

    /// <summary>A Skia bitmap to draw on, <paramref name="width"/>×<paramref name="height"/>, filled with <paramref name="background"/>: the caller disposes it.</summary>
    public static SKBitmap NewCanvasBitmap(int width, int height, Rgb background)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"a picture must be at least 1×1, got {width}×{height}");
        SkiaRuntime.EnsureLoaded();
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(background.ToSkia());
        return bitmap;
    }

    /// <summary>An opaque RGBA bitmap as uint8 [H, W, 3]: a new tensor the caller owns.</summary>
    public static Tensor ToTensor(SKBitmap bitmap)
    {
        if (bitmap.ColorType != SKColorType.Rgba8888 || bitmap.RowBytes != bitmap.Width * 4)
            throw new ArgumentException($"expected a packed RGBA bitmap, got {bitmap.ColorType} with {bitmap.RowBytes} bytes a row for {bitmap.Width} pixels", nameof(bitmap));
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[checked(bitmap.Width * bitmap.Height * 3)];
        for (int p = 0, s = 0; p < rgb.Length; p += 3, s += 4)
        {
            rgb[p] = rgba[s];
            rgb[p + 1] = rgba[s + 1];
            rgb[p + 2] = rgba[s + 2];
        }
        return torch.tensor(rgb, new long[] { bitmap.Height, bitmap.Width, 3 });
    }
}
