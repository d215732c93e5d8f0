using CnnVis.Torch;

namespace CnnVis.Visualizers.Scores;

/// <summary>Checks object masks against the maps they are compared with: [N, H, W] or [N, 1, H, W], nonzero on the object.</summary>
internal static class GroundTruthMasks
{
    /// <summary>The masks as float64 [N, H, W] of zeros and ones.</summary>
    public static Tensor Of(Tensor masks, long[] mapShape)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var shape = masks.shape;
        var squeezable = shape.Length == 4 && shape[1] == 1;
        var spatial = squeezable ? new[] { shape[0], shape[2], shape[3] } : shape;
        if (spatial.Length != 3 || spatial[0] != mapShape[0] || !spatial[1..].SequenceEqual(mapShape[^2..]))
            throw new ArgumentException($"masks of shape [{string.Join(", ", shape)}] do not fit maps [{string.Join(", ", mapShape)}]: give one mask [H, W] per map, as [N, H, W] or [N, 1, H, W]", nameof(masks));
        using var scope = torch.NewDisposeScope();
        var flat = squeezable ? masks.squeeze(1) : masks.alias();
        return scope.MoveToOuter(flat.ne(0).to(ScalarType.Float64));
    }
}
