using CnnVis.Torch;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// One relevance value per pixel, [N, H, W], from any map a method gives: heat maps as they are, maps in the
/// input's channels summed over channels (an attribution's total for the pixel, as Captum's scores take it).
/// </summary>
internal static class PixelRelevance
{
    public static Tensor Of(Tensor maps, string name = "maps")
    {
        ArgumentNullException.ThrowIfNull(maps, name);
        return maps.Dimensions switch
        {
            3 => maps.to(ScalarType.Float64),
            4 => maps.sum(1).to(ScalarType.Float64),
            _ => throw new ArgumentException($"{name} must be heat maps [N, H, W] or maps in the input's channels [N, C, H, W], got shape [{string.Join(", ", maps.shape)}]", name),
        };
    }

    /// <summary>Throws naming the arguments unless the maps are of the images (same count and size).</summary>
    public static void CheckFits(Tensor maps, long[] imageShape, string mapsName = "maps")
    {
        var shape = maps.shape;
        if (shape.Length is not (3 or 4) || shape[0] != imageShape[0] || !shape[^2..].SequenceEqual(imageShape[2..]))
            throw new ArgumentException($"{mapsName} of shape [{string.Join(", ", shape)}] are not maps of images [{string.Join(", ", imageShape)}]: give [N, H, W] or [N, C, H, W] at the images' size", mapsName);
    }
}
