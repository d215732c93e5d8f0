namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// Vanilla gradient saliency (Simonyan et al., 2014): |d score / d pixel|, largest over channels. With
/// <see cref="GradientView.Colour"/> it is the plain input gradient.
/// </summary>
public sealed class Saliency(GradientView view = GradientView.MaxAbs) : GradientMethod(ReluRule.Standard, view)
{
    protected override string BaseName => "saliency";

    protected override GradientView DefaultView => GradientView.MaxAbs;
}
