using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>A heat map laid over the image it explains: (1 − α) · image + α · colormap(heat).</summary>
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

        using var scope = torch.NewDisposeScope();
        var pixels = Pixels.FromUnitRange(image).to(ScalarType.Float32);
        if (channels == 1) pixels = torch.cat(new[] { pixels, pixels, pixels }, -1);
        var colours = colormap.Apply(heat).to(ScalarType.Float32);
        var blended = (pixels * (1 - alpha)) + (colours * alpha);
        return scope.MoveToOuter(blended.round().clamp(0, 255).to(ScalarType.Byte));
    }
}
