using CnnVis.Torch;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// The model-randomisation sanity check (Adebayo et al., 2018): an explanation that depends on what the model
/// learned must change when the weights are replaced by random ones. Make a copy of the model (a fresh model of
/// the same architecture with the trained state loaded), <see cref="Reinitialize"/> it, and <see cref="Check"/>.
/// </summary>
public static class ModelRandomization
{
    /// <summary>
    /// Replaces the weights of <paramref name="model"/> (every parameter of two or more dimensions: convolution and
    /// linear weights) with draws from U(±1/√fan_in), PyTorch's default for those layers, from a generator of its
    /// own seeded with <paramref name="seed"/> (the global random state is left alone). Biases and normalisation
    /// parameters and statistics stay. With <paramref name="topLayers"/>, only the last that many weights in
    /// registration order are replaced (Adebayo et al.'s cascading randomisation, from the output down).
    /// Returns the names of the parameters replaced.
    /// </summary>
    public static IReadOnlyList<string> Reinitialize(Module model, int seed = 0, int? topLayers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var weights = model.named_parameters().Where(p => p.parameter.Dimensions >= 2).ToList();
        if (weights.Count == 0) throw new ArgumentException($"{model.GetName()} has no weights of two or more dimensions to re-initialise", nameof(model));
        if (topLayers is < 1) throw new ArgumentOutOfRangeException(nameof(topLayers), $"re-initialise at least one layer, got {topLayers}");
        var chosen = weights.Skip(Math.Max(0, weights.Count - (topLayers ?? weights.Count))).ToList();
        var random = new Random(seed);
        using var noGrad = torch.no_grad();
        foreach (var (_, weight) in chosen)
        {
            var shape = weight.shape;
            var fanIn = weight.numel() / shape[0];
            var bound = 1.0 / Math.Sqrt(fanIn);
            var values = new float[weight.numel()];
            for (var k = 0; k < values.Length; k++) values[k] = (float)((random.NextDouble() * 2 - 1) * bound);
            using var drawn = torch.tensor(values, shape);
            using var typed = drawn.to(weight.dtype);
            weight.copy_(typed);
        }
        return chosen.Select(p => p.name).ToList();
    }

    /// <summary>
    /// Explains <paramref name="images"/> with <paramref name="method"/> on <paramref name="model"/> and on
    /// <paramref name="randomized"/> (the same architecture with other weights), both for the classes
    /// <paramref name="target"/> picks on <paramref name="model"/>, and compares the maps image by image.
    /// </summary>
    public static SanityCheckResult Check(ExplanationMethod method, Module model, Module randomized, Tensor images, ExplanationTarget target,
        int maxBatch = ExplanationPass.DefaultMaxBatch)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(randomized);
        if (ReferenceEquals(model, randomized)) throw new ArgumentException("the randomised model must be a copy, not the model itself", nameof(randomized));
        using var scope = torch.NewDisposeScope();
        var pass = new ExplanationPass(new[] { method }, maxBatch);
        using var original = pass.Run(model, images, target);
        // The same classes on both, so only the weights differ.
        using var other = pass.Run(randomized, images, TrueLabel.From(original.Classes));
        var a = original[method];
        var b = other[method];
        return new SanityCheckResult(
            method.Name,
            MapSimilarity.Spearman(a, b),
            MapSimilarity.Spearman(a.abs(), b.abs()),
            MapSimilarity.Ssim(a, b),
            MapSimilarity.TopKIntersectionOverUnion(a, b, 0.1));
    }
}
