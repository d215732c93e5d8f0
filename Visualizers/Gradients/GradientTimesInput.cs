using CnnVis.Torch;

namespace CnnVis.Visualizers.Gradients;

/// <summary>Gradient × input (Shrikumar et al.): each pixel's gradient times its value, [N, C, H, W] by default.</summary>
public sealed class GradientTimesInput(GradientView view = GradientView.Colour) : GradientMethod(ReluRule.Standard, view)
{
    protected override string BaseName => "gradient-x-input";

    protected override GradientView DefaultView => GradientView.Colour;

    protected override Tensor Attribution(Tensor gradient, Tensor input) => gradient * input;
}
