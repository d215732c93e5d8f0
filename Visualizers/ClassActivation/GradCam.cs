using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>Grad-CAM (Selvaraju et al., 2017): each channel weighted by its gradient averaged over positions.</summary>
public sealed class GradCam(string? layer = null) : CamMethod(layer)
{
    protected override string BaseName => "gradcam";

    protected override Tensor ChannelWeights(CamInputs inputs) => inputs.RequiredGradients.mean(new[] { 2L, 3L });
}
