using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// Activation maximization (Erhan et al., 2009; Simonyan et al., 2014; Yosinski et al., 2015): starting from
/// noise, images are changed by gradient ascent until they drive a class logit (class-specific image generation)
/// or a layer's channel as high as they can, regularised so that they stay image-like (see
/// <see cref="ActivationMaximizationSettings"/>). All the goal's images climb together in one batch.
/// </summary>
/// <remarks>
/// Safe in the middle of training, like the explanation pass: eval mode with every module's mode restored,
/// gradients only with respect to the image (no parameter's .grad changes), hooks removed in finally, and the
/// global random state untouched (noise and jitter come from the settings' seed).
/// </remarks>
public sealed class ActivationMaximization(ActivationMaximizationSettings? settings = null)
{
    public ActivationMaximizationSettings Settings { get; } = settings ?? new ActivationMaximizationSettings();

    /// <summary>
    /// Makes images of <paramref name="imageShape"/> [C, H, W] for <paramref name="goal"/>, clipped to
    /// <paramref name="range"/> when given (use <see cref="InputRange.FromNormalization"/> with the data's
    /// mean and standard deviation).
    /// </summary>
    public ActivationMaximizationResult Run(Module model, ActivationGoal goal, long[] imageShape, InputRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(imageShape);
        Settings.Validate();
        if (imageShape.Length != 3 || imageShape.Any(d => d < 1))
            throw new ArgumentException($"the image shape must be [C, H, W], got [{string.Join(", ", imageShape)}]", nameof(imageShape));
        if (range is not null && range.Channels != imageShape[0])
            throw new ArgumentException($"the input range has {range.Channels} channels but the images have {imageShape[0]}", nameof(range));
        if (goal.Layer is not null) model.get_submodule(goal.Layer);

        var random = new Random(Settings.Seed);
        var noise = new NormalNoise(Settings.Seed);
        var history = new List<double[]>();
        using var probe = new ModelProbe(model);
        using var scope = torch.NewDisposeScope();
        var shape = new long[] { goal.Count, imageShape[0], imageShape[1], imageShape[2] };
        var image = noise.Next(shape) * Settings.InitialNoise;
        var (lower, upper) = Bounds(range, image);
        if (lower is not null) image = torch.minimum(torch.maximum(image, lower), upper!);
        var firstMoment = torch.zeros_like(image);
        var secondMoment = torch.zeros_like(image);
        var blur = Settings.BlurSigma > 0 ? GaussianBlur.Kernel(Settings.BlurSigma, imageShape[0], image.dtype) : null;
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;

        for (var step = 1; step <= Settings.Steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var (dy, dx) = (random.Next(-Settings.Jitter, Settings.Jitter + 1), random.Next(-Settings.Jitter, Settings.Jitter + 1));
            var shifted = Shift(image, dy, dx);
            var (scores, gradient) = probe.Gradient(shifted, goal.Layer, goal.Score, ReluRule.Standard);
            history.Add(Values(scores));
            gradient = Shift(gradient, -dy, -dx);

            // Adam ascent: each pixel moves by at most about the step size, whatever the gradient's scale.
            firstMoment.mul_(beta1).add_(gradient, 1 - beta1);
            secondMoment.mul_(beta2).addcmul_(gradient, gradient, 1 - beta2);
            var m = firstMoment / (1 - Math.Pow(beta1, step));
            var v = secondMoment / (1 - Math.Pow(beta2, step));
            var next = image + (m / (v.sqrt() + epsilon) * Settings.StepSize);
            if (Settings.Decay > 0) next = next * (1 - Settings.Decay);
            if (blur is not null && step % Settings.BlurEvery == 0) next = GaussianBlur.Apply(next, blur);
            if (lower is not null) next = torch.minimum(torch.maximum(next, lower), upper!);
            // The previous image is freed now, not when the run ends: memory stays one step's whatever the step count.
            var previous = image;
            image = stepScope.MoveToOuter(next);
            previous.Dispose();
        }
        var final = probe.Output(image, goal.Layer);
        var finalScores = Values(goal.Score(final));
        return new ActivationMaximizationResult(goal, scope.MoveToOuter(image), history, finalScores);
    }

    private static double[] Values(Tensor scores)
    {
        using var asDouble = scores.to(ScalarType.Float64);
        return asDouble.data<double>();
    }

    private static (Tensor? lower, Tensor? upper) Bounds(InputRange? range, Tensor like)
    {
        if (range is null) return (null, null);
        var lower = torch.tensor(range.Lower.ToArray(), new long[] { 1, range.Channels, 1, 1 }).to(like.dtype);
        var upper = torch.tensor(range.Upper.ToArray(), new long[] { 1, range.Channels, 1, 1 }).to(like.dtype);
        return (lower, upper);
    }

    // Moves the image by (dy, dx) pixels with wrap-around, so nothing is lost and the shift can be undone exactly.
    private static Tensor Shift(Tensor images, int dy, int dx) =>
        dy == 0 && dx == 0 ? images.alias() : images.roll(new long[] { dy, dx }, new long[] { 2, 3 });
}
