using CnnVis.Torch;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Dreams;

/// <summary>
/// Deep dream (Mordvintsev, Olah and Tyka, 2015): gradient ascent on how strongly a layer responds to a photo, so the
/// photo comes to show what the layer looks for. The photo is climbed at several octaves, smallest first; the detail
/// an octave adds (the climbed image minus the photo at that size) is enlarged and carried into the next. Each step
/// rolls the image by a random offset (undone after the step), moves every pixel along the gradient divided by its
/// mean absolute value, and clips to the model's input range. One forward and one backward per step, all on tensors.
/// Training-safe like the explanation pass: eval mode, modes restored, hooks removed, parameters' gradients untouched.
/// </summary>
public sealed class DeepDream
{
    /// <summary>Smallest side of an octave's image: smaller images leave deep layers with no positions.</summary>
    public const int MinOctaveSide = 8;

    public DeepDream(DeepDreamSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
    }

    public DeepDreamSettings Settings { get; }

    /// <summary>
    /// Dreams on <paramref name="photos"/> [N, C, H, W], given in the model's input units (normalised as the model was
    /// trained) and kept within <paramref name="range"/>. Throws naming the layer or channel when the model has no such one.
    /// </summary>
    public DeepDreamResult Run(Module model, Tensor photos, InputRange range)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(range);
        ModelProbe.CheckImages(photos, nameof(photos));
        if (range.Channels != photos.size(1))
            throw new ArgumentException($"the input range has {range.Channels} channels but the photos have {photos.size(1)}", nameof(range));
        model.get_submodule(Settings.Layer);
        var sizes = OctaveSizes(photos.size(2), photos.size(3));

        var random = new Random(Settings.Seed);
        var octaves = new List<DreamOctave>();
        using var probe = new ModelProbe(model);
        using var scope = torch.NewDisposeScope();
        var (lower, upper) = range.Bounds(photos);
        var original = photos.detach().to(ScalarType.Float32);
        Tensor? detail = null;
        Tensor image = original;
        for (var k = 0; k < sizes.Count; k++)
        {
            using var octaveScope = torch.NewDisposeScope();
            var (height, width) = sizes[k];
            var basePhoto = k == sizes.Count - 1 ? original : Resize(original, height, width);
            var start = detail is null ? basePhoto : basePhoto + Resize(detail, height, width);
            image = torch.minimum(torch.maximum(start, lower), upper);
            var before = Values(Objective(probe.Output(image, Settings.Layer)));
            for (var step = 0; step < Settings.Steps; step++)
            {
                using var stepScope = torch.NewDisposeScope();
                var dy = random.Next(-Settings.Jitter, Settings.Jitter + 1);
                var dx = random.Next(-Settings.Jitter, Settings.Jitter + 1);
                var (_, gradient) = probe.Gradient(Roll(image, dy, dx), Settings.Layer, Objective, ReluRule.Standard);
                gradient = Roll(gradient, -dy, -dx);
                // Divided per image by its mean absolute value, so the step size is in input units whatever the layer's scale.
                var scale = gradient.abs().mean(new[] { 1L, 2L, 3L }, keepdim: true) + 1e-8;
                var next = torch.minimum(torch.maximum(image + (gradient / scale * Settings.StepSize), lower), upper);
                var previous = image;
                image = stepScope.MoveToOuter(next);
                if (!ReferenceEquals(previous, original)) previous.Dispose();
            }
            var after = Values(Objective(probe.Output(image, Settings.Layer)));
            octaves.Add(new DreamOctave(k, height, width, before, after));
            var nextDetail = image - basePhoto;
            if (k < sizes.Count - 1)
            {
                detail?.Dispose();
                detail = octaveScope.MoveToOuter(nextDetail);
            }
            else image = octaveScope.MoveToOuter(image);
        }
        return new DeepDreamResult(Settings, range, scope.MoveToOuter(image), octaves);
    }

    /// <summary>The image size of each octave, smallest first, the last (<paramref name="height"/>, <paramref name="width"/>).</summary>
    public IReadOnlyList<(long height, long width)> OctaveSizes(long height, long width)
    {
        var sizes = new List<(long, long)>();
        for (var k = Settings.Octaves - 1; k >= 0; k--)
        {
            var shrink = Math.Pow(Settings.OctaveScale, k);
            var size = ((long)Math.Round(height / shrink), (long)Math.Round(width / shrink));
            if (size.Item1 < MinOctaveSide || size.Item2 < MinOctaveSide)
                throw new ArgumentException($"{Settings.Octaves} octaves at scale {Settings.OctaveScale} make the smallest octave {size.Item1}x{size.Item2} pixels " +
                    $"from a {height}x{width} photo; each side must be at least {MinOctaveSide}: use fewer octaves, a smaller scale or a larger photo");
            sizes.Add(size);
        }
        return sizes;
    }

    /// <summary>Per image, [N]: the layer's mean squared activation, or the chosen channel's mean activation.</summary>
    private Tensor Objective(Tensor output)
    {
        if (output.Dimensions != 4)
            throw new ArgumentException($"layer '{Settings.Layer}' gives shape [{string.Join(", ", output.shape)}], not feature maps [N, K, h, w]: pick a convolutional layer or block");
        if (Settings.Channel is not { } channel) return output.pow(2).mean(new[] { 1L, 2L, 3L });
        if (channel >= output.size(1))
            throw new ArgumentOutOfRangeException(nameof(DeepDreamSettings.Channel), $"channel {channel} is out of range: layer '{Settings.Layer}' has {output.size(1)} channels (0-{output.size(1) - 1})");
        return output.select(1, channel).mean(new[] { 1L, 2L });
    }

    private static Tensor Resize(Tensor images, long height, long width) =>
        images.size(2) == height && images.size(3) == width ? images.alias() : torch.nn.functional.interpolate(images, new[] { height, width });

    private static Tensor Roll(Tensor images, int dy, int dx) =>
        dy == 0 && dx == 0 ? images.alias() : images.roll(new long[] { dy, dx }, new long[] { 2, 3 });

    private static double[] Values(Tensor scores)
    {
        using var asDouble = scores.to(ScalarType.Float64);
        return asDouble.data<double>();
    }
}
