using CnnVis.Dashboard.Computation;
using CnnVis.Torch;
using CnnVis.Training.Models;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// The class-agnostic views of the post-hoc page, the same as <c>cnnvis features</c> makes: the first convolution's
/// filters, a layer's feature maps, Eigen-CAM of a layer, guided backprop of one channel, and the image that most
/// excites one channel (activation maximization from noise). Each becomes a <see cref="PostHocMap"/>: a PNG and the
/// raw values as .npy (the filters [K, C, kh, kw], the maps [K, h, w], the other views [H, W] or [C, H, W]).
/// </summary>
public static class LayerViews
{
    public const string Filters = "filters";
    public const string Maps = "maps";
    public const string EigenCam = "eigencam";
    public const string GuidedBackprop = "guided-backprop";
    public const string Maximize = "maximize";
    public const int MaxSteps = 1000;
    public const int MaxChannels = 64;

    // 7x7 ImageNet filters become 28-pixel tiles (4x), small ones about as large.
    private const int FilterTileSize = 28;

    /// <summary>Every kind, in the order the page lists them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [Filters, Maps, EigenCam, GuidedBackprop, Maximize];

    /// <summary>What a kind shows, in the user's words.</summary>
    public static string Describe(string kind) => kind switch
    {
        Filters => "first-layer filters: the first convolution's weights as colour tiles",
        Maps => $"feature maps: the layer's output on the image, one tile per channel (at most {MaxChannels})",
        EigenCam => "Eigen-CAM: the first principal component of the layer's activations (class-agnostic)",
        GuidedBackprop => "guided backprop of a channel: the input pattern that channel responds to",
        Maximize => "activation maximization: an image made from noise to excite the channel",
        _ => throw new ArgumentException($"unknown view '{kind}': the views are {string.Join(", ", Kinds)}"),
    };

    /// <summary>Throws with a message for the page unless <paramref name="view"/> names what its kind needs.</summary>
    public static void Check(LayerView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        Describe(view.Kind);
        if (view.Kind != Filters && string.IsNullOrWhiteSpace(view.Layer))
            throw new ArgumentException($"the {view.Kind} view needs a layer (a dotted path such as layer2 or features.3)");
        if (view.Kind is GuidedBackprop or Maximize && view.Channel is null)
            throw new ArgumentException($"the {view.Kind} view needs a channel of the layer");
        if (view.Channel is < 0) throw new ArgumentException($"channel {view.Channel} is out of range: channels are numbered from 0");
        if (view.Kind == Maximize && view.Steps is < 1 or > MaxSteps)
            throw new ArgumentException($"activation maximization takes 1 to {MaxSteps} steps, got {view.Steps}");
    }

    /// <summary>The view's name as a column caption, e.g. "guided-backprop layer3 #7".</summary>
    public static string Caption(LayerView view) => view.Kind switch
    {
        Filters => "first-layer filters",
        Maps => $"feature maps {view.Layer}",
        _ when view.Channel is { } channel => $"{view.Kind} {view.Layer} #{channel}",
        _ => $"{view.Kind} {view.Layer}",
    };

    /// <summary>
    /// Makes <paramref name="view"/> with <paramref name="model"/> (in evaluation mode) on the image
    /// (<paramref name="display"/> [1, C, H, W] in [0, 1], <paramref name="normalised"/> as the model reads it).
    /// </summary>
    public static PostHocMap Make(LayerView view, ClassifierModel model, Tensor display, Tensor normalised, InputRange range, Colormap colormap, ComputationContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        Check(view);
        using var scope = torch.NewDisposeScope();
        var caption = Caption(view);
        if (view.Kind != Filters && !model.named_modules().Any(m => m.name == view.Layer))
            throw new ArgumentException($"{model.GetName()} has no layer '{view.Layer}'; its layers are {string.Join(", ", model.named_modules().Select(m => m.name).Where(n => n.Length > 0))}");
        switch (view.Kind)
        {
            case Filters:
            {
                // In the image's colours: the ImageNet ResNet-18's first convolution reads BGR.
                var weights = FirstLayerFilters.Of(model);
                return new PostHocMap(caption, PngFile.Encode(FilterGrid.Render(weights, FilterTileSize)), NpyFile.Encode(weights), true);
            }
            case Maps:
            {
                var maps = FeatureMaps.Capture(model, normalised, view.Layer!);
                return new PostHocMap(caption, PngFile.Encode(FeatureMaps.Render(maps, maxChannels: MaxChannels)), NpyFile.Encode(maps.select(0, 0)), true);
            }
            case EigenCam:
            {
                // Refuses, naming the layer, one whose output is not feature maps (the classifier's logits, say).
                FeatureMaps.Capture(model, normalised, view.Layer!);
                var map = new EigenCam(view.Layer).Explain(model, normalised, PredictedClass.Instance);
                return new PostHocMap(caption, PngFile.Encode(ExplanationPictures.Of(display, map, colormap).select(0, 0)), NpyFile.Encode(map.select(0, 0)), true);
            }
            case GuidedBackprop:
            {
                var map = new GuidedLayerActivation(view.Layer!, view.Channel!.Value).Explain(model, normalised);
                return new PostHocMap(caption, PngFile.Encode(ExplanationPictures.Of(display, map, colormap).select(0, 0)), NpyFile.Encode(map.select(0, 0)), true);
            }
            default:
            {
                var settings = new ActivationMaximizationSettings { Steps = view.Steps };
                using var result = new ActivationMaximization(settings).Run(model, ActivationGoal.Channels(view.Layer!, view.Channel!.Value),
                    [display.size(1), display.size(2), display.size(3)], range);
                var pixels = Pixels.FromUnitRange(MapNormalization.PerMap.Apply(result.Images));
                return new PostHocMap(caption, PngFile.Encode(pixels.select(0, 0)), NpyFile.Encode(result.Images.select(0, 0)), true);
            }
        }
    }
}
