using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>A "method" that shows the image's own magnitude whatever the model: the kind the randomisation check must catch.</summary>
public sealed class InputMagnitude : ExplanationMethod
{
    public override string Name => "input-magnitude";

    protected override void Plan(PassPlan plan) => plan.RequireForward(ReluRule.Standard);

    protected override Tensor Compute(ExplanationContext context)
    {
        using var magnitude = context.Input.abs();
        return magnitude.sum(1);
    }
}
