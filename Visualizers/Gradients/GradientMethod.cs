using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// The gradient family's base: the gradient of the target score with respect to the input, taken under a ReLU
/// rule, made into an attribution (the gradient itself unless a subclass says otherwise) and shown in a view.
/// All methods with the same rule share one forward and one backward in a pass.
/// </summary>
public abstract class GradientMethod : ExplanationMethod
{
    protected GradientMethod(ReluRule rule, GradientView view)
    {
        if (!Enum.IsDefined(rule)) throw new ArgumentOutOfRangeException(nameof(rule), $"unknown ReLU rule {rule}");
        if (!Enum.IsDefined(view)) throw new ArgumentOutOfRangeException(nameof(view), $"unknown gradient view {view}");
        Rule = rule;
        View = view;
    }

    public ReluRule Rule { get; }

    public GradientView View { get; }

    /// <summary>The method's name with its default view, e.g. "saliency".</summary>
    protected abstract string BaseName { get; }

    /// <summary>The view <see cref="BaseName"/> stands for; other views add a suffix to the name.</summary>
    protected abstract GradientView DefaultView { get; }

    public override string Name => View == DefaultView ? BaseName : $"{BaseName}-{View.ToString().ToLowerInvariant()}";

    protected internal override void Plan(PassPlan plan) => plan.RequireInputGradient(Rule);

    protected internal override Tensor Compute(ExplanationContext context)
    {
        using var scope = torch.NewDisposeScope();
        var gradient = context.Record(Rule).InputGradient!;
        var attribution = Attribution(gradient, context.Input);
        return scope.MoveToOuter(Show(attribution, View));
    }

    /// <summary>The attribution [N, C, H, W] made from the input gradient: the gradient itself by default.</summary>
    protected virtual Tensor Attribution(Tensor gradient, Tensor input) => gradient.alias();

    /// <summary>Shows an attribution [N, C, H, W] in <paramref name="view"/>: a new tensor.</summary>
    public static Tensor Show(Tensor attribution, GradientView view)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        switch (view)
        {
            case GradientView.Colour:
                return attribution.clone();
            case GradientView.Grey:
            {
                using var magnitude = attribution.abs();
                return magnitude.sum(1);
            }
            case GradientView.MaxAbs:
            {
                using var magnitude = attribution.abs();
                return magnitude.amax(new[] { 1L });
            }
            case GradientView.Positive:
                return attribution.clamp_min(0);
            case GradientView.Negative:
            {
                using var flipped = attribution.neg();
                return flipped.clamp_min(0);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(view), $"unknown gradient view {view}");
        }
    }
}
