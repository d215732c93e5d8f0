namespace CnnVis.Visualizers.Scores;

/// <summary>
/// How alike a method's maps are on a model and on a copy of it with random weights (Adebayo et al., 2018), one
/// value per image. A method that explains the model gives dissimilar maps; one that mostly shows the image (an
/// edge detector would pass many visual checks) gives similar ones.
/// </summary>
/// <param name="Method">The method's name.</param>
/// <param name="Spearman">Rank correlation of the raw maps.</param>
/// <param name="SpearmanOfMagnitudes">Rank correlation of |map| (signs flip easily, so Adebayo et al. report both).</param>
/// <param name="Ssim">Structural similarity of the maps scaled to [0, 1].</param>
/// <param name="TopTenPercentIou">Overlap of each map's 10 % most relevant pixels.</param>
public sealed record SanityCheckResult(string Method, double[] Spearman, double[] SpearmanOfMagnitudes, double[] Ssim, double[] TopTenPercentIou)
{
    public double MeanSpearmanOfMagnitudes => SpearmanOfMagnitudes.Average();

    public double MeanSsim => Ssim.Average();

    /// <summary>
    /// Whether the maps changed enough with the weights: mean |ρ| of the magnitudes and mean SSIM both below
    /// <paramref name="threshold"/>. 0.5 is a common reading of Adebayo et al.'s figures, not a rule of theirs.
    /// </summary>
    public bool Passed(double threshold = 0.5) => Math.Abs(MeanSpearmanOfMagnitudes) < threshold && MeanSsim < threshold;

    public override string ToString() =>
        $"{Method}: Spearman |map| {MeanSpearmanOfMagnitudes:0.00}, SSIM {MeanSsim:0.00}, top-10% IoU {TopTenPercentIou.Average():0.00} ({(Passed() ? "passes" : "fails")})";
}
