using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Class activation mapping (Zhou et al., 2016): the classifier's weights for the target class weigh the
/// channels of the layer that global average pooling feeds into it. Needs no gradient.
/// </summary>
public sealed class Cam() : CamMethod(null)
{
    protected override string BaseName => "cam";

    protected override bool NeedsGradients => false;

    protected override Tensor ChannelWeights(CamInputs inputs)
    {
        var model = inputs.Context.Model;
        var path = inputs.Context.Explainable.ClassifierLayer
            ?? throw new InvalidOperationException($"CAM needs a global-average-pool + linear head, and {model.GetName()} names no ClassifierLayer: use Grad-CAM instead");
        var classifier = model.get_submodule(path) as Linear
            ?? throw new InvalidOperationException($"CAM needs the classifier layer '{path}' to be a Linear, but it is a {model.get_submodule(path).GetName()}");
        var channels = inputs.Activations.size(1);
        if (classifier.InFeatures != channels)
            throw new InvalidOperationException($"CAM: the classifier '{path}' takes {classifier.InFeatures} features but layer '{inputs.Layer}' has {channels} channels, so it is not the layer pooled into the classifier");
        using var weight = classifier.weight.detach();
        return weight.index_select(0, inputs.Context.Classes);
    }
}
