using CnnVis.Torch;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers;

/// <summary>
/// One way of explaining a classifier's decision. A method says what it needs from the model (its plan) and
/// then makes its map from what the pass recorded, so that many methods run together share one forward and one
/// backward. Used alone, <see cref="Explain"/> runs a pass for this method only.
/// </summary>
public abstract class ExplanationMethod
{
    /// <summary>A short name that tells methods and their settings apart, e.g. "gradcam" or "guided-backprop-grey".</summary>
    public abstract string Name { get; }

    /// <summary>Asks for the forwards, layer outputs and gradients the map is made from.</summary>
    protected internal abstract void Plan(PassPlan plan);

    /// <summary>
    /// Makes the map for every image: a new tensor, raw (float, not normalised), [N, H, W] for a heat map or
    /// [N, C, H, W] for a map in the input's channels, at input resolution.
    /// </summary>
    protected internal abstract Tensor Compute(ExplanationContext context);

    /// <summary>Explains <paramref name="images"/> [N, C, H, W] with this method alone; the caller owns the map.</summary>
    public Tensor Explain(Module model, Tensor images, ExplanationTarget target, int maxBatch = ExplanationPass.DefaultMaxBatch)
    {
        using var set = new ExplanationPass(new[] { this }, maxBatch).Run(model, images, target);
        return set.Take(Name);
    }

    public override string ToString() => Name;
}
