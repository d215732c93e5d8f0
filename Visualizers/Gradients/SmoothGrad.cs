using CnnVis.Torch;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// SmoothGrad (Smilkov et al., 2017): the average of another method's maps over noisy copies of each image,
/// x + N(0, σ²) with σ = noise level × (max − min of the image). The copies of all images go through the model
/// together, as many at a time as the pass's batch limit allows, each explained for its clean image's class.
/// </summary>
public sealed class SmoothGrad : ExplanationMethod
{
    public const int DefaultSamples = 16;
    public const double DefaultNoiseLevel = 0.15;

    /// <param name="inner">The method whose maps are smoothed, usually a gradient method.</param>
    /// <param name="samples">Noisy copies per image (the paper uses about 50; 16 is often enough).</param>
    /// <param name="noiseLevel">σ as a fraction of each image's value range (the paper suggests 0.1-0.2).</param>
    /// <param name="squared">Average the squared maps (SmoothGrad-Squared, Hooker et al.).</param>
    /// <param name="seed">Seed of the noise, so the same call gives the same map.</param>
    public SmoothGrad(ExplanationMethod inner, int samples = DefaultSamples, double noiseLevel = DefaultNoiseLevel, bool squared = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), $"SmoothGrad needs at least one sample, got {samples}");
        if (noiseLevel < 0 || double.IsNaN(noiseLevel)) throw new ArgumentOutOfRangeException(nameof(noiseLevel), $"the noise level must not be negative, got {noiseLevel}");
        Inner = inner;
        Samples = samples;
        NoiseLevel = noiseLevel;
        Squared = squared;
        Seed = seed;
    }

    public ExplanationMethod Inner { get; }
    public int Samples { get; }
    public double NoiseLevel { get; }
    public bool Squared { get; }
    public int Seed { get; }

    /// <summary>"smoothgrad(inner)", with the samples and noise when they differ from the defaults, as <see cref="ExplanationMethods"/> reads them back.</summary>
    public override string Name
    {
        get
        {
            var settings = new List<string> { Inner.Name };
            if (Samples != DefaultSamples) settings.Add($"samples={Samples}");
            if (NoiseLevel != DefaultNoiseLevel) settings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"noise={NoiseLevel:R}"));
            return $"smoothgrad{(Squared ? "-squared" : "")}({string.Join(',', settings)})";
        }
    }

    // The classes come from the clean images, so one plain forward is all the pass itself needs.
    protected internal override void Plan(PassPlan plan) => plan.RequireForward(ReluRule.Standard);

    protected internal override Tensor Compute(ExplanationContext context)
    {
        using var scope = torch.NewDisposeScope();
        var x = context.Input;
        var shape = x.shape;
        var images = shape[0];
        using var flat = x.flatten(1);
        var range = flat.amax(new[] { 1L }) - flat.amin(new[] { 1L });
        var sigma = (range * NoiseLevel).view(images, 1, 1, 1);
        var noise = new NormalNoise(Seed);

        Tensor? sum = null;
        new SampleChunks(images, Samples, context.MaxBatch).ForEach(chunk =>
        {
            var owner = chunk.ImageIndex();
            // Channels-last: faster convolutions for the many noisy copies (the gradients differ only by float rounding).
            var noisy = (x.index_select(0, owner) + (noise.Next(new[] { chunk.Count, shape[1], shape[2], shape[3] }) * sigma.index_select(0, owner))).to_channels_last();
            using var set = new ExplanationPass(new[] { Inner }, context.MaxBatch).Run(context.Model, noisy, new FixedClasses(context.Classes.index_select(0, owner)));
            var maps = set[Inner];
            if (Squared) maps = maps * maps;
            var total = sum ?? torch.zeros(new[] { images }.Concat(maps.shape[1..]).ToArray(), maps.dtype);
            // Each noisy copy's map is added to its own image's sum.
            var added = total.index_add(0, owner, maps).MoveToOuterDisposeScope();
            sum?.Dispose();
            sum = added;
        });
        return scope.MoveToOuter(sum! / Samples);
    }
}
