using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// The CAM family's base (pytorch-grad-cam's template): a map is ReLU(Σ_c w_c · A_c) over a layer's activations
/// A, upsampled bilinearly to the input's size. Subclasses say only how the weights w are made: per channel
/// ([N, C]) or per channel and position ([N, C, h, w]).
/// </summary>
public abstract class CamMethod : ExplanationMethod
{
    /// <param name="layer">Dotted path of the layer to weigh, or null for the model's explanation layer.</param>
    protected CamMethod(string? layer)
    {
        if (layer is not null && layer.Length == 0) throw new ArgumentException("a layer path must not be empty: use null for the model's explanation layer", nameof(layer));
        Layer = layer;
    }

    /// <summary>
    /// The quantity under which every CAM method reports its map at the layer's resolution, [N, h, w] after the
    /// ReLU and before upsampling: "gradcam.layer-map" in <see cref="ExplanationSet.Reports"/>.
    /// </summary>
    public const string LayerMapReport = "layer-map";

    /// <summary>The layer weighed, or null for the model's explanation layer.</summary>
    public string? Layer { get; }

    /// <summary>The method's name before any layer suffix, e.g. "gradcam".</summary>
    protected abstract string BaseName { get; }

    public override string Name => Layer is null ? BaseName : $"{BaseName}@{Layer}";

    /// <summary>Whether the weights read dScore/dA (then the pass's backward provides it).</summary>
    protected virtual bool NeedsGradients => true;

    protected internal override void Plan(PassPlan plan)
    {
        var layer = Layer ?? plan.DefaultLayer;
        if (NeedsGradients) plan.RequireLayerGradient(ReluRule.Standard, layer);
        else plan.RequireForward(ReluRule.Standard, layer);
    }

    protected internal override Tensor Compute(ExplanationContext context)
    {
        using var scope = torch.NewDisposeScope();
        var layer = Layer ?? context.Explainable.ExplanationLayer;
        var record = context.Record(ReluRule.Standard);
        var activations = record.Activations(layer);
        if (activations.Dimensions != 4)
            throw new InvalidOperationException($"{Name}: layer '{layer}' gives shape [{string.Join(", ", activations.shape)}], but CAM methods need feature maps [N, C, h, w]");
        var inputs = new CamInputs(context, layer, activations, NeedsGradients ? record.ActivationGradient(layer) : null);
        var map = LayerMap(inputs).clamp_min(0);
        var upsampled = scope.MoveToOuter(Upsample(map, context.ImageSize));
        // The map at the layer's own resolution too (the monitor stores both); no extra work, it is made anyway.
        context.Report(this, LayerMapReport, scope.MoveToOuter(map));
        return upsampled;
    }

    /// <summary>The map at the layer's resolution before the ReLU, [N, h, w]: Σ_c w_c · A_c.</summary>
    protected virtual Tensor LayerMap(CamInputs inputs)
    {
        var weights = ChannelWeights(inputs);
        if (weights.Dimensions == 2) weights = weights.unsqueeze(2).unsqueeze(3);
        return (weights * inputs.Activations).sum(1);
    }

    /// <summary>The weights: [N, C] (one per channel) or [N, C, h, w] (one per channel and position).</summary>
    protected abstract Tensor ChannelWeights(CamInputs inputs);

    /// <summary>Resizes maps [N, h, w] to [N, H, W] bilinearly (align_corners false, as pytorch-grad-cam and PyTorch's default).</summary>
    public static Tensor Upsample(Tensor maps, long[] size)
    {
        ArgumentNullException.ThrowIfNull(maps);
        using var batch = maps.unsqueeze(1);
        using var resized = torch.nn.functional.interpolate(batch, size, InterpolationMode.Bilinear, align_corners: false);
        return resized.squeeze(1);
    }
}
