namespace CnnVis.Visualizers.Features;

/// <summary>
/// How activation maximization climbs, and the regularisers that keep the image natural-looking (Yosinski et al.,
/// 2015): a random shift each step (jitter), a light Gaussian blur every few steps, L2 decay pulling towards the
/// data mean, and clipping to the data's range. Adam steps, as Lucid takes, so the step size does not depend on
/// the gradient's scale.
/// </summary>
public sealed record ActivationMaximizationSettings
{
    /// <summary>Gradient steps.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Adam's learning rate, in the model's input units (about one per standard deviation of the data).</summary>
    public double StepSize { get; init; } = 0.05;

    /// <summary>Largest random shift, in pixels, applied before each step's forward (0 for none).</summary>
    public int Jitter { get; init; } = 2;

    /// <summary>Standard deviation of the Gaussian blur, in pixels (0 for none).</summary>
    public double BlurSigma { get; init; } = 0.5;

    /// <summary>Blur after every this many steps.</summary>
    public int BlurEvery { get; init; } = 4;

    /// <summary>Fraction by which the image shrinks towards zero (the data mean, in normalised units) after each step.</summary>
    public double Decay { get; init; } = 1e-3;

    /// <summary>Standard deviation of the starting noise, in the model's input units.</summary>
    public double InitialNoise { get; init; } = 0.1;

    /// <summary>Seed of the starting noise and of the jitter: the same seed gives the same images.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"activation maximization needs at least one step, got {Steps}");
        if (!(StepSize > 0) || !double.IsFinite(StepSize)) throw new ArgumentOutOfRangeException(nameof(StepSize), $"the step size must be positive, got {StepSize}");
        if (Jitter < 0) throw new ArgumentOutOfRangeException(nameof(Jitter), $"the jitter must not be negative, got {Jitter}");
        if (!(BlurSigma >= 0) || !double.IsFinite(BlurSigma)) throw new ArgumentOutOfRangeException(nameof(BlurSigma), $"the blur sigma must not be negative, got {BlurSigma}");
        if (BlurEvery < 1) throw new ArgumentOutOfRangeException(nameof(BlurEvery), $"BlurEvery must be at least 1, got {BlurEvery}");
        if (!(Decay >= 0 && Decay < 1)) throw new ArgumentOutOfRangeException(nameof(Decay), $"the decay must be in [0, 1), got {Decay}");
        if (!(InitialNoise >= 0) || !double.IsFinite(InitialNoise)) throw new ArgumentOutOfRangeException(nameof(InitialNoise), $"the initial noise must not be negative, got {InitialNoise}");
    }
}
