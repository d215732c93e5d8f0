using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>LayerCAM (Jiang et al., 2021): every position of every channel weighted by its own positive gradient.</summary>
public sealed class LayerCam(string? layer = null) : CamMethod(layer)
{
    protected override string BaseName => "layercam";

    protected override Tensor ChannelWeights(CamInputs inputs) => inputs.RequiredGradients.clamp_min(0);
}
