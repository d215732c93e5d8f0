using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Grad-CAM++ (Chattopadhyay et al., 2018), in the paper's closed form for an exponential score, as
/// pytorch-grad-cam computes it: α = g² / (2g² + Σ_ij A · g³), w_c = Σ_ij α · ReLU(g), with g = dScore/dA.
/// </summary>
public sealed class GradCamPlusPlus(string? layer = null) : CamMethod(layer)
{
    // Keeps α finite where the denominator vanishes (pytorch-grad-cam's value).
    private const double Epsilon = 1e-6;

    protected override string BaseName => "gradcam++";

    protected override Tensor ChannelWeights(CamInputs inputs)
    {
        var g = inputs.RequiredGradients;
        using var scope = torch.NewDisposeScope();
        var g2 = g * g;
        var g3 = g2 * g;
        var activationSums = inputs.Activations.sum(new[] { 2L, 3L }, keepdim: true);
        var denominator = (2 * g2) + (activationSums * g3) + Epsilon;
        var alpha = g2 / denominator;
        // Where the gradient is zero α is 0/ε; pytorch-grad-cam sets it to exactly zero.
        alpha = torch.where(g.ne(0), alpha, torch.zeros_like(alpha));
        var weights = (alpha * g.clamp_min(0)).sum(new[] { 2L, 3L });
        return scope.MoveToOuter(weights);
    }
}
