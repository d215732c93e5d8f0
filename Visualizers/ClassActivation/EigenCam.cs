using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Eigen-CAM (Muhammad and Yeasin, 2020): the layer's activations projected on their first principal component
/// (positions as samples, channels as features, centred as pytorch-grad-cam does). Class-independent and needs no
/// gradient. The component's sign, which the decomposition leaves open, is chosen so the map rises where the
/// activations do.
/// </summary>
public sealed class EigenCam(string? layer = null) : CamMethod(layer)
{
    protected override string BaseName => "eigencam";

    protected override bool NeedsGradients => false;

    protected override Tensor LayerMap(CamInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var a = inputs.Activations;
        var centred = a - a.mean(new[] { 2L, 3L }, keepdim: true);
        var weights = ChannelWeights(inputs).unsqueeze(2).unsqueeze(3);
        return scope.MoveToOuter((weights * centred).sum(1));
    }

    /// <summary>The first principal direction over channels, [N, C], signed to agree with the summed activation.</summary>
    protected override Tensor ChannelWeights(CamInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var a = inputs.Activations;
        long images = a.size(0), channels = a.size(1);
        var samples = a.reshape(images, channels, -1).transpose(1, 2);                // [N, h·w, C]
        var centred = samples - samples.mean(1, keepdim: true);
        var (_, _, vh) = torch.linalg.svd(centred, full_matrices: false);
        var direction = vh.select(1, 0);                                             // [N, C]
        var projection = centred.matmul(direction.unsqueeze(2)).squeeze(2);          // [N, h·w]
        var agreement = (projection * centred.sum(2)).sum(1).sign();
        var sign = torch.where(agreement.eq(0), torch.ones_like(agreement), agreement).unsqueeze(1);
        return scope.MoveToOuter(direction * sign);
    }
}
