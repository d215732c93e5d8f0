using CnnVis.Torch;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Monitor;

/// <summary>
/// Grad-CAM's channel weights (each channel's position-averaged gradient) as a pass "method", so they come from
/// the same backward as the maps: [N, C] rather than a map.
/// </summary>
internal sealed class GradCamChannelWeights : ExplanationMethod
{
    public const string MethodName = "gradcam.channel-weights";

    public override string Name => MethodName;

    protected override void Plan(PassPlan plan) => plan.RequireLayerGradient(ReluRule.Standard, plan.DefaultLayer);

    protected override Tensor Compute(ExplanationContext context)
    {
        var gradient = context.Record(ReluRule.Standard).ActivationGradient(context.Explainable.ExplanationLayer);
        return gradient.mean(new[] { 2L, 3L });
    }
}
