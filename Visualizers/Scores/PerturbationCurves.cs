namespace CnnVis.Visualizers.Scores;

/// <summary>
/// How the target class's probability moved as pixels were removed (deletion) or revealed (insertion) in a map's
/// order: for each image, K + 1 probabilities at 0, 1/K, ..., 1 of the pixels, and the area under that curve
/// (trapezoid rule over [0, 1]). Deletion: lower is better; insertion: higher is better.
/// </summary>
public sealed record PerturbationCurves(PerturbationKind Kind, IReadOnlyList<double[]> Probabilities, double[] Auc)
{
    /// <summary>The fraction of pixels changed at each point of a curve: 0, 1/K, ..., 1.</summary>
    public double[] Fractions => Enumerable.Range(0, Probabilities[0].Length).Select(k => k / (double)(Probabilities[0].Length - 1)).ToArray();

    /// <summary>The AUC averaged over the images.</summary>
    public double MeanAuc => Auc.Average();
}
