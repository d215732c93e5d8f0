using CnnVis.Torch;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// Integrated gradients (Sundararajan et al., 2017): (x − x′) × the average gradient along the straight path from
/// the baseline x′ (by default 0 in the model's input: the dataset mean for standardised images) to x, by the
/// midpoint rule at α = (k + ½) / steps. Every image's path points go through the model together, as many at a
/// time as the pass's batch limit allows. The completeness delta is reported as "NAME.delta" (e.g.
/// "integrated-gradients.delta") in the pass's <see cref="ExplanationSet.Reports"/>, or with <see cref="Attribute"/>.
/// </summary>
public sealed class IntegratedGradients : ExplanationMethod
{
    private static readonly Saliency s_gradient = new(GradientView.Colour);

    /// <summary>Path points per image unless told otherwise.</summary>
    public const int DefaultSteps = 32;

    /// <param name="baseline">Where the path starts; by default <see cref="Baseline.Zero"/>, the dataset mean for standardised images.</param>
    public IntegratedGradients(int steps = DefaultSteps, Baseline? baseline = null, GradientView view = GradientView.Colour)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"integrated gradients needs at least one step, got {steps}");
        if (!Enum.IsDefined(view)) throw new ArgumentOutOfRangeException(nameof(view), $"unknown gradient view {view}");
        Steps = steps;
        Baseline = baseline ?? Baseline.Zero;
        View = view;
    }

    public int Steps { get; }
    public Baseline Baseline { get; }
    public GradientView View { get; }

    /// <summary>"integrated-gradients", with the settings that differ from the defaults, as <see cref="ExplanationMethods"/> reads them back.</summary>
    public override string Name
    {
        get
        {
            var name = View == GradientView.Colour ? "integrated-gradients" : $"integrated-gradients-{View.ToString().ToLowerInvariant()}";
            var settings = new List<string>();
            if (Steps != DefaultSteps) settings.Add($"steps={Steps}");
            if (!ReferenceEquals(Baseline, Baseline.Zero)) settings.Add($"baseline={Baseline.Name}");
            return settings.Count == 0 ? name : $"{name}({string.Join(',', settings)})";
        }
    }

    protected internal override void Plan(PassPlan plan) => plan.RequireForward(ReluRule.Standard);

    protected internal override Tensor Compute(ExplanationContext context)
    {
        using var scope = torch.NewDisposeScope();
        var (attributions, delta, difference) = Integrate(context);
        context.Report(this, "delta", scope.MoveToOuter(delta));
        context.Report(this, "score-difference", scope.MoveToOuter(difference));
        return scope.MoveToOuter(GradientMethod.Show(attributions, View));
    }

    /// <summary>Attributions [N, C, H, W] with their completeness delta; the caller owns the result.</summary>
    public IntegratedGradientsResult Attribute(Module model, Tensor images, ExplanationTarget target, int maxBatch = ExplanationPass.DefaultMaxBatch)
    {
        var colour = View == GradientView.Colour ? this : new IntegratedGradients(Steps, Baseline);
        using var set = new ExplanationPass(new[] { colour }, maxBatch).Run(model, images, target);
        var delta = set.Reports[$"{colour.Name}.delta"].alias();
        var difference = set.Reports[$"{colour.Name}.score-difference"].alias();
        return new IntegratedGradientsResult(set.Take(colour.Name), delta, difference);
    }

    private (Tensor attributions, Tensor delta, Tensor difference) Integrate(ExplanationContext context)
    {
        var x = context.Input;
        var shape = x.shape;
        var images = shape[0];
        var baseline = Baseline.For(x);
        var path = x - baseline;

        Tensor gradientSum = torch.zeros(shape, x.dtype);
        new SampleChunks(images, Steps, context.MaxBatch).ForEach(chunk =>
        {
            var owner = chunk.ImageIndex();
            var alpha = ((chunk.SampleIndex().to(x.dtype) + 0.5) / Steps).view(chunk.Count, 1, 1, 1);
            var points = baseline.index_select(0, owner) + (alpha * path.index_select(0, owner));
            using var set = new ExplanationPass(new[] { (ExplanationMethod)s_gradient }, context.MaxBatch).Run(context.Model, points, new FixedClasses(context.Classes.index_select(0, owner)));
            var added = gradientSum.index_add(0, owner, set[s_gradient]).MoveToOuterDisposeScope();
            gradientSum.Dispose();
            gradientSum = added;
        });
        var attributions = path * gradientSum / Steps;

        // Completeness: the attributions should add up to f(x) − f(x′) for the target class.
        Tensor baselineLogits;
        using (torch.no_grad()) baselineLogits = context.Model.call(baseline);
        var picked = context.Classes.unsqueeze(1);
        var difference = (context.Record(ReluRule.Standard).Logits.gather(1, picked) - baselineLogits.gather(1, picked)).squeeze(1).to(x.dtype);
        var delta = attributions.flatten(1).sum(1) - difference;
        return (attributions, delta, difference);
    }
}
