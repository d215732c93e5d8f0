using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>A method that notes what it saw during a pass and can be told to throw: for the safety tests.</summary>
public sealed class ProbeMethod(bool throws = false, ReluRule rule = ReluRule.Standard) : ExplanationMethod
{
    public bool? ModelWasTraining { get; private set; }

    public int HooksDuringCompute { get; private set; }

    public override string Name => "probe";

    protected override void Plan(PassPlan plan)
    {
        plan.RequireInputGradient(rule);
        plan.RequireLayerGradient(rule, plan.DefaultLayer);
    }

    protected override Tensor Compute(ExplanationContext context)
    {
        ModelWasTraining = context.Model.modules().Any(m => m.training);
        HooksDuringCompute = context.Model.modules().Sum(m => m.ForwardHookCount);
        if (throws) throw new InvalidOperationException("the probe method failed on purpose");
        return context.Record(rule).InputGradient!.clone();
    }
}
