namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// Guided backpropagation (Springenberg et al., 2015): the input gradient with every ReLU passing back only
/// positive gradient where its input was positive. Colour by default; grey, positive and negative saliency are
/// views of the same gradient.
/// </summary>
public sealed class GuidedBackprop(GradientView view = GradientView.Colour) : GradientMethod(ReluRule.Guided, view)
{
    protected override string BaseName => "guided-backprop";

    protected override GradientView DefaultView => GradientView.Colour;
}
