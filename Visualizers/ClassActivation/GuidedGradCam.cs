using CnnVis.Torch;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Guided Grad-CAM (Selvaraju et al., 2017): the upsampled Grad-CAM map times guided backpropagation, made from
/// the two methods' own maps. Given the same instances a pass already computes, it costs one multiplication.
/// </summary>
public sealed class GuidedGradCam : ExplanationMethod
{
    public GuidedGradCam(GradCam? gradCam = null, GuidedBackprop? guidedBackprop = null)
    {
        GradCam = gradCam ?? new GradCam();
        GuidedBackprop = guidedBackprop ?? new GuidedBackprop();
    }

    public GradCam GradCam { get; }

    public GuidedBackprop GuidedBackprop { get; }

    public override string Name =>
        "guided-gradcam" + (GradCam.Layer is null ? "" : $"@{GradCam.Layer}") + (GuidedBackprop.View == GradientView.Colour ? "" : $"-{GuidedBackprop.View.ToString().ToLowerInvariant()}");

    protected internal override void Plan(PassPlan plan)
    {
        GradCam.Plan(plan);
        GuidedBackprop.Plan(plan);
    }

    protected internal override Tensor Compute(ExplanationContext context)
    {
        var cam = context.MapOf(GradCam);
        var guided = context.MapOf(GuidedBackprop);
        if (guided.Dimensions == 3) return guided * cam;
        using var perChannel = cam.unsqueeze(1);
        return guided * perChannel;
    }
}
