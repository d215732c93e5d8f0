using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// The filters of a model's first convolution (the first Conv2d in module order, which for a sequential body is
/// the one the image meets first): the only weights that can be looked at directly as images.
/// </summary>
public static class FirstLayerFilters
{
    /// <summary>The dotted path of the first convolution, e.g. "features.0".</summary>
    public static string PathOf(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var first = model.named_modules().FirstOrDefault(m => m.module is Conv2d);
        return first.module is null
            ? throw new ArgumentException($"{model.GetName()} has no Conv2d layer, so it has no first-layer filters to show", nameof(model))
            : first.name;
    }

    /// <summary>A copy of the first convolution's weights, [K, C, kh, kw], cut from the graph; the caller owns it.</summary>
    public static Tensor Of(Module model)
    {
        var conv = (Conv2d)model.get_submodule(PathOf(model));
        using var weight = conv.weight.detach();
        return weight.clone();
    }

    /// <summary>The first-layer filters as tiles (see <see cref="FilterGrid"/>): uint8 [H, W, 3], a new tensor the caller owns.</summary>
    public static Tensor Render(Module model, int tileSize = 32, int? columns = null)
    {
        using var weights = Of(model);
        return FilterGrid.Render(weights, tileSize, columns);
    }
}
