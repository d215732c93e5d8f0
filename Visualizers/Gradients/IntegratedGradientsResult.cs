using CnnVis.Torch;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// Integrated gradients' attributions and how far they are from complete: Delta = Σ attributions − (f(x) − f(x′))
/// per image, which shrinks towards zero as the number of steps grows. The caller owns (disposes) both tensors.
/// </summary>
/// <param name="Attributions">[N, C, H, W].</param>
/// <param name="Delta">[N], in the units of the target logit.</param>
/// <param name="ScoreDifference">f(x) − f(x′) for the target class, [N]: what the attributions should add up to.</param>
public sealed record IntegratedGradientsResult(Tensor Attributions, Tensor Delta, Tensor ScoreDifference) : IDisposable
{
    public void Dispose()
    {
        Attributions.Dispose();
        Delta.Dispose();
        ScoreDifference.Dispose();
    }
}
