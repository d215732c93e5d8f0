using CnnVis.Torch;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// Layer activation with guided backprop (as in the seed projects' pytorch-cnn-visualizations): the input
/// gradient, under guided ReLUs, of how strongly one filter of one layer responds, Σ |A_f| over its map, instead of
/// a class score. Shows the input pattern that filter picks up in each image. Maps are [N, C, H, W] in the colour
/// view, or the chosen <see cref="GradientView"/>. Training-safe like the explanation pass.
/// </summary>
public sealed class GuidedLayerActivation
{
    public GuidedLayerActivation(string layer, int filter, GradientView view = GradientView.Colour)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        if (filter < 0) throw new ArgumentOutOfRangeException(nameof(filter), $"filter {filter} is out of range: filters are numbered from 0");
        if (!Enum.IsDefined(view)) throw new ArgumentOutOfRangeException(nameof(view), $"unknown gradient view {view}");
        Layer = layer;
        Filter = filter;
        View = view;
    }

    /// <summary>Dotted path of the layer, e.g. "features.4".</summary>
    public string Layer { get; }

    public int Filter { get; }

    public GradientView View { get; }

    public string Name => $"guided-layer-activation@{Layer}#{Filter}";

    /// <summary>The map for each of <paramref name="images"/> [N, C, H, W]; the caller owns it.</summary>
    public Tensor Explain(Module model, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProbe.CheckImages(images);
        model.get_submodule(Layer);
        using var probe = new ModelProbe(model);
        using var scope = torch.NewDisposeScope();
        var (_, gradient) = probe.Gradient(images, Layer, Score, ReluRule.Guided);
        return scope.MoveToOuter(GradientMethod.Show(gradient, View));
    }

    private Tensor Score(Tensor output)
    {
        if (output.Dimensions != 4)
            throw new ArgumentException($"layer '{Layer}' gives shape [{string.Join(", ", output.shape)}], not feature maps [N, K, h, w]: pick a convolutional layer");
        if (Filter >= output.size(1))
            throw new ArgumentOutOfRangeException(nameof(Filter), $"filter {Filter} is out of range: layer '{Layer}' has {output.size(1)} filters (0-{output.size(1) - 1})");
        using var map = output.select(1, Filter);
        using var magnitude = map.abs();
        return magnitude.sum(new[] { 1L, 2L });
    }
}
