namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// Deconvnet (Zeiler and Fergus, 2014), as a backward pass: every ReLU passes back the positive part of the
/// gradient whatever its input was.
/// </summary>
public sealed class Deconvnet(GradientView view = GradientView.Colour) : GradientMethod(ReluRule.Deconvnet, view)
{
    protected override string BaseName => "deconvnet";

    protected override GradientView DefaultView => GradientView.Colour;
}
