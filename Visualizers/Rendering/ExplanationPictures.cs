using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Maps made into pictures for a grid: a heat map [N, H, W] is normalised per map and laid over its image through
/// a colormap; a map in the input's channels [N, C, H, W] (a colour gradient, guided backprop) is shown as an
/// image of its own, with zero at mid-grey when it has signs and black when it has none.
/// </summary>
public static class ExplanationPictures
{
    /// <summary>
    /// Pictures of <paramref name="maps"/> for <paramref name="images"/> ([N, C, H, W] in [0, 1], as displayed,
    /// not as normalised for the model): uint8 [N, H, W, 3], a new tensor the caller owns.
    /// </summary>
    public static Tensor Of(Tensor images, Tensor maps, Colormap? colormap = null, double alpha = 0.5)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(maps);
        if (images.Dimensions != 4) throw new ArgumentException($"images must be [N, C, H, W], got shape [{string.Join(", ", images.shape)}]", nameof(images));
        var imageShape = images.shape;
        var mapShape = maps.shape;
        var sameImages = mapShape.Length is 3 or 4 && mapShape[0] == imageShape[0] && mapShape[^2..].SequenceEqual(imageShape[2..]);
        if (!sameImages)
            throw new ArgumentException($"maps of shape [{string.Join(", ", mapShape)}] do not fit images [{string.Join(", ", imageShape)}]: give [N, H, W] or [N, C, H, W] at the images' size", nameof(maps));
        using var scope = torch.NewDisposeScope();
        if (mapShape.Length == 3)
        {
            var heat = MapNormalization.PerMap.Apply(maps);
            return scope.MoveToOuter(Overlay.Blend(images, heat, colormap ?? Colormap.Jet, alpha));
        }
        var signed = maps.min().item<double>() < 0;
        var unit = new MapNormalization(NormalizationScope.PerMap, Symmetric: signed).Apply(maps);
        if (mapShape[1] == 3) return scope.MoveToOuter(Pixels.FromUnitRange(unit));
        // One channel (grey images) shows as grey; any other count is summed into one channel first.
        var single = mapShape[1] == 1 ? unit.squeeze(1) : new MapNormalization(NormalizationScope.PerMap, signed).Apply(maps.sum(1));
        return scope.MoveToOuter(Colormap.Grey.Apply(single));
    }
}
