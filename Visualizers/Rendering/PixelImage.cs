using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// A small picture copied out of a uint8 [H, W, C] tensor (C = 1 or 3) into managed memory, so a grid can keep its
/// cells without keeping the caller's tensors alive.
/// </summary>
internal sealed class PixelImage
{
    private readonly byte[] _pixels;
    private readonly int _channels;

    private PixelImage(byte[] pixels, int height, int width, int channels)
    {
        _pixels = pixels;
        Height = height;
        Width = width;
        _channels = channels;
    }

    public int Height { get; }

    public int Width { get; }

    public static PixelImage From(Tensor pixels, string what)
    {
        ArgumentNullException.ThrowIfNull(pixels, what);
        var shape = pixels.shape;
        if (pixels.dtype != ScalarType.Byte || shape.Length != 3 || shape[2] is not (1 or 3) || shape[0] < 1 || shape[1] < 1)
            throw new ArgumentException($"{what} must be uint8 pixels [H, W, 1 or 3], got {pixels.dtype} [{string.Join(", ", shape)}]");
        using var contiguous = pixels.contiguous();
        return new PixelImage(contiguous.data<byte>(), (int)shape[0], (int)shape[1], (int)shape[2]);
    }

    public (byte r, byte g, byte b) At(int x, int y)
    {
        var at = _channels * (y * Width + x);
        return _channels == 1 ? (_pixels[at], _pixels[at], _pixels[at]) : (_pixels[at], _pixels[at + 1], _pixels[at + 2]);
    }
}
