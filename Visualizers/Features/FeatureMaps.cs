using CnnVis.Torch;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// What a layer computes for some images: its output [N, K, h, w], caught by a forward hook on the layer named by
/// its dotted path ("features.4", "layer2.0.conv1"). The model runs in eval mode without a graph, and is left as
/// it was (modes restored, hook removed).
/// </summary>
public static class FeatureMaps
{
    /// <summary>The output of <paramref name="layer"/> for <paramref name="images"/> [N, C, H, W]: [N, K, h, w], a new tensor the caller owns.</summary>
    public static Tensor Capture(Module model, Tensor images, string layer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        ModelProbe.CheckImages(images);
        model.get_submodule(layer);
        using var probe = new ModelProbe(model);
        var maps = probe.Output(images, layer);
        if (maps.Dimensions == 4) return maps;
        var shape = maps.shape;
        maps.Dispose();
        throw new ArgumentException($"layer '{layer}' gives shape [{string.Join(", ", shape)}], not feature maps [N, K, h, w]: pick a convolutional layer", nameof(layer));
    }

    /// <summary>
    /// Image <paramref name="image"/>'s maps from <paramref name="maps"/> [N, K, h, w] as tiles, each channel scaled
    /// by its own range through <paramref name="colormap"/> (viridis by default), at most
    /// <paramref name="maxChannels"/> of them: uint8 [H, W, 3], a new tensor the caller owns.
    /// </summary>
    public static Tensor Render(Tensor maps, int image = 0, int tileSize = 48, int? columns = null, Colormap? colormap = null, int? maxChannels = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.Dimensions != 4) throw new ArgumentException($"feature maps must be [N, K, h, w], got shape [{string.Join(", ", maps.shape)}]", nameof(maps));
        if (image < 0 || image >= maps.size(0)) throw new ArgumentOutOfRangeException(nameof(image), $"image {image} is out of range: the maps are of {maps.size(0)} images");
        if (maxChannels is < 1) throw new ArgumentOutOfRangeException(nameof(maxChannels), $"show at least one channel, got {maxChannels}");
        using var scope = torch.NewDisposeScope();
        var channels = Math.Min(maps.size(1), maxChannels ?? long.MaxValue);
        var one = maps.select(0, image).narrow(0, 0, channels);
        var unit = MapNormalization.PerMap.Apply(one);
        var tiles = (colormap ?? Colormap.Viridis).Apply(unit);
        return scope.MoveToOuter(TileGrid.Render(tiles, tileSize, columns));
    }
}
