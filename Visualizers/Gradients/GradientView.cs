namespace CnnVis.Visualizers.Gradients;

/// <summary>How a gradient-family attribution [N, C, H, W] is shown.</summary>
public enum GradientView
{
    /// <summary>The attribution itself, one value per input channel: [N, C, H, W].</summary>
    Colour,

    /// <summary>Sum of absolute values over channels: [N, H, W] (the seed projects' grey guided backprop).</summary>
    Grey,

    /// <summary>Largest absolute value over channels: [N, H, W] (Simonyan et al.'s saliency).</summary>
    MaxAbs,

    /// <summary>Positive part only: [N, C, H, W].</summary>
    Positive,

    /// <summary>Magnitude of the negative part only: [N, C, H, W].</summary>
    Negative,
}
