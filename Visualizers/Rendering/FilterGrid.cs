using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Convolution filters as pictures, each scaled to [0, 1] by its own range so that weak filters show their pattern
/// too: first-layer filters of colour images as RGB tiles, of grey images as grey tiles. Filters over any other
/// number of channels show one grey tile per channel, a row per filter.
/// </summary>
public static class FilterGrid
{
    /// <summary>
    /// Renders <paramref name="weights"/> [K, C, kh, kw] as a grid of tiles upscaled to about
    /// <paramref name="tileSize"/> pixels: uint8 [H, W, 3], a new tensor the caller owns.
    /// </summary>
    public static Tensor Render(Tensor weights, int tileSize = 32, int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var shape = weights.shape;
        if (shape.Length != 4 || shape.Any(d => d < 1))
            throw new ArgumentException($"convolution weights must be [K, C, kh, kw], got shape [{string.Join(", ", shape)}]", nameof(weights));
        if (weights.dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16))
            throw new ArgumentException($"convolution weights must be floating point, got {weights.dtype}", nameof(weights));
        using var scope = torch.NewDisposeScope();
        long filters = shape[0], channels = shape[1];
        var detached = weights.detach();
        var unit = MapNormalization.PerMap.Apply(detached.reshape(filters, -1)).reshape(shape);
        if (channels is 1 or 3) return scope.MoveToOuter(TileGrid.Render(Pixels.FromUnitRange(unit), tileSize, columns));
        var perChannel = unit.reshape(filters * channels, 1, shape[2], shape[3]);
        return scope.MoveToOuter(TileGrid.Render(Pixels.FromUnitRange(perChannel), tileSize, columns ?? (int)channels));
    }

    /// <summary>Renders the filters and writes them as a PNG.</summary>
    public static void Save(string path, Tensor weights, int tileSize = 32, int? columns = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var pixels = Render(weights, tileSize, columns);
        PngFile.Write(path, pixels);
    }
}
