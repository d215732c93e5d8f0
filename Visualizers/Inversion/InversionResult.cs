using CnnVis.Torch;
using CnnVis.Visualizers.Features;

namespace CnnVis.Visualizers.Inversion;

/// <summary>
/// A reconstruction from one layer's representation: the images in the model's input units, [N, C, H, W], and how the
/// representation distance ‖φ(x) − φ(x₀)‖² / ‖φ(x₀)‖² fell. The result owns the images: disposing it frees them.
/// </summary>
public sealed class InversionResult : IDisposable
{
    internal InversionResult(string layer, InputRange range, Tensor images, IReadOnlyList<double[]> history, double[] finalDistance)
    {
        Layer = layer;
        Range = range;
        Images = images;
        History = history;
        FinalDistance = finalDistance;
    }

    /// <summary>The layer whose representation was inverted.</summary>
    public string Layer { get; }

    public InputRange Range { get; }

    /// <summary>[N, C, H, W] in the model's input units, within <see cref="Range"/>.</summary>
    public Tensor Images { get; }

    /// <summary>Each step's distance per image, before that step's update (the first is the starting noise's).</summary>
    public IReadOnlyList<double[]> History { get; }

    public double[] InitialDistance => History[0];

    /// <summary>The finished reconstructions' distance per image.</summary>
    public double[] FinalDistance { get; }

    /// <summary>The reconstructions as pixels in [0, 1], [N, C, H, W]: a new tensor the caller owns.</summary>
    public Tensor ToUnitRange() => Range.ToUnit(Images);

    public void Dispose() => Images.Dispose();
}
