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

    /// <summary>
    /// A copy of the first convolution's weights, [K, C, kh, kw], cut from the graph, input channels in the image's
    /// order (<see cref="IExplainableModel.FirstConvolutionChannels"/>); the caller owns it.
    /// </summary>
    public static Tensor Of(Module model) => Of(model, (model as IExplainableModel)?.FirstConvolutionChannels);

    /// <summary>
    /// As <see cref="Of(Module)"/>, with the weights' input channels put in the image's order when the model reorders
    /// the image before its first convolution: <paramref name="imageChannels"/>[c] is the image channel that the
    /// convolution's input channel c reads (null: the same order), so an RGB tile shows the colours the filter responds to.
    /// </summary>
    public static Tensor Of(Module model, IReadOnlyList<int>? imageChannels)
    {
        var conv = (Conv2d)model.get_submodule(PathOf(model));
        using var weight = conv.weight.detach();
        if (imageChannels is null) return weight.clone();
        var channels = weight.size(1);
        if (imageChannels.Count != channels || imageChannels.Order().Where((c, i) => c != i).Any())
            throw new ArgumentException($"the image channels [{string.Join(", ", imageChannels)}] are not an order of the first convolution's {channels} input channels", nameof(imageChannels));
        // Image channel j is read by the input channel c with imageChannels[c] == j.
        var inverse = new long[channels];
        for (var c = 0; c < channels; c++) inverse[imageChannels[c]] = c;
        using var index = torch.tensor(inverse);
        return weight.index_select(1, index);
    }

    /// <summary>The first-layer filters as tiles (see <see cref="FilterGrid"/>): uint8 [H, W, 3], a new tensor the caller owns.</summary>
    public static Tensor Render(Module model, int tileSize = 32, int? columns = null)
    {
        using var weights = Of(model);
        return FilterGrid.Render(weights, tileSize, columns);
    }
}
