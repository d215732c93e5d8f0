using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>Turns values in [0, 1] laid out as the model sees them ([C, H, W]) into image pixels (uint8 [H, W, C]).</summary>
public static class Pixels
{
    /// <summary>[C, H, W] or [N, C, H, W] in [0, 1] → uint8 [H, W, C] or [N, H, W, C] (values clipped).</summary>
    public static Tensor FromUnitRange(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var d = image.Dimensions;
        if (d is not (3 or 4)) throw new ArgumentException($"an image must be [C, H, W] or a batch [N, C, H, W], got shape [{string.Join(", ", image.shape)}]", nameof(image));
        using var scope = torch.NewDisposeScope();
        var scaled = (image.to(ScalarType.Float32).clamp(0, 1) * 255).round().to(ScalarType.Byte);
        var channelsLast = d == 3 ? scaled.permute(1, 2, 0) : scaled.permute(0, 2, 3, 1);
        return scope.MoveToOuter(channelsLast.contiguous());
    }
}
