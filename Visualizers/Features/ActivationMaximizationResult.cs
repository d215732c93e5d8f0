using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// The images activation maximization made, in the model's input units, [N, C, H, W], with how their scores
/// rose. The result owns the images: disposing it frees them.
/// </summary>
public sealed class ActivationMaximizationResult : IDisposable
{
    internal ActivationMaximizationResult(ActivationGoal goal, Tensor images, IReadOnlyList<double[]> history, double[] finalScores)
    {
        Goal = goal;
        Images = images;
        History = history;
        FinalScores = finalScores;
    }

    public ActivationGoal Goal { get; }

    /// <summary>[N, C, H, W], image i for the goal's entry i.</summary>
    public Tensor Images { get; }

    /// <summary>Each step's score per image (of the shifted image that step's gradient came from).</summary>
    public IReadOnlyList<double[]> History { get; }

    /// <summary>Score per image of the starting noise.</summary>
    public double[] InitialScores => History[0];

    /// <summary>Score per image of the finished images.</summary>
    public double[] FinalScores { get; }

    /// <summary>The images as tiles, each scaled to [0, 1] by its own range: uint8 [H, W, 3], a new tensor the caller owns.</summary>
    public Tensor Render(int tileSize = 64, int? columns = null)
    {
        using var scope = torch.NewDisposeScope();
        var unit = MapNormalization.PerMap.Apply(Images);
        return scope.MoveToOuter(TileGrid.Render(Pixels.FromUnitRange(unit), tileSize, columns));
    }

    public void Dispose() => Images.Dispose();
}
