using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>PNG output of rendered maps (uint8 [H, W, C] with C = 1, 3 or 4), through the engine's encoder.</summary>
public static class PngFile
{
    public static byte[] Encode(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        var shape = pixels.shape;
        if (pixels.dtype != ScalarType.Byte || shape.Length != 3 || shape[2] is not (1 or 3 or 4))
            throw new ArgumentException($"a PNG needs uint8 pixels [H, W, C] with 1, 3 or 4 channels, got {pixels.dtype} [{string.Join(", ", shape)}]", nameof(pixels));
        using var contiguous = pixels.contiguous();
        return torchvision.io.encode_png(contiguous);
    }

    public static void Write(string path, Tensor pixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Encode(pixels));
    }
}
