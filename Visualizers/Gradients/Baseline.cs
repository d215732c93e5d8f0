using CnnVis.Torch;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// The "absence of signal" integrated gradients starts its path from, and occlusion fills its window with, in the
/// model's input units: zeros (the dataset mean for standardised images), black (each channel's normalised value of
/// a 0 pixel), a constant, a blurred copy, or images of the caller's own, one shared by all images or one per image.
/// </summary>
public sealed class Baseline
{
    private readonly Func<Tensor, Tensor> _make;

    private Baseline(string name, string description, Func<Tensor, Tensor> make, double? uniformValue = null)
    {
        Name = name;
        Description = description;
        _make = make;
        UniformValue = uniformValue;
    }

    /// <summary>A short name for method names, e.g. "zero" or "black".</summary>
    public string Name { get; }

    public string Description { get; }

    /// <summary>The one value every channel and pixel takes, when there is one (occlusion then fills by a scalar).</summary>
    public double? UniformValue { get; }

    /// <summary>
    /// All zeros in the model's input: for images standardised by (value − mean) / std that is the dataset mean
    /// (mid-grey on Fashion-MNIST), not black; for images in [0, 1] it is black.
    /// </summary>
    public static Baseline Zero { get; } = new("zero", "zero (the dataset mean for standardised images)", images => torch.zeros_like(images), 0);

    /// <summary>Every value set to <paramref name="value"/>.</summary>
    public static Baseline Constant(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), $"a constant baseline must be finite, got {value}");
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return new(text, $"constant {text}", images => torch.full_like(images, value), value);
    }

    /// <summary>
    /// Black as the model sees it: each channel set to <paramref name="normalisedBlack"/>[c], the normalised value of a
    /// 0 pixel, −mean[c] / std[c] (<see cref="Features.InputRange.Lower"/> of the dataset's range).
    /// </summary>
    public static Baseline Black(IReadOnlyList<float> normalisedBlack)
    {
        ArgumentNullException.ThrowIfNull(normalisedBlack);
        if (normalisedBlack.Count == 0 || normalisedBlack.Any(v => !float.IsFinite(v)))
            throw new ArgumentException($"black needs one finite value per channel, got [{string.Join(", ", normalisedBlack)}]", nameof(normalisedBlack));
        var values = normalisedBlack.ToArray();
        double? uniform = values.All(v => v == values[0]) ? values[0] : null;
        return new("black", $"black ([{string.Join(", ", values.Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}] normalised)", images =>
        {
            if (images.size(1) != values.Length)
                throw new ArgumentException($"black was given for {values.Length} channel(s) but the images have {images.size(1)}");
            using var perChannel = torch.tensor(values, new long[] { 1, values.Length, 1, 1 });
            using var typed = perChannel.to(images.dtype);
            using var expanded = typed.expand(images.shape);
            return expanded.contiguous();
        }, uniform);
    }

    /// <summary>
    /// Each image blurred with a Gaussian of <paramref name="sigma"/> pixels: its colours without its detail, the
    /// canvas insertion (Petsiuk et al.) reveals pixels on.
    /// </summary>
    public static Baseline Blurred(double sigma = 5)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), $"the blur's sigma must be positive, got {sigma}");
        return new("blurred", $"blurred (sigma {sigma})", images => GaussianBlur.Apply(images, sigma));
    }

    /// <summary>
    /// The caller's own baseline: [C, H, W] shared by all images, or [N, C, H, W] one per image. The caller keeps
    /// ownership of <paramref name="image"/> and must keep it alive while the baseline is used.
    /// </summary>
    public static Baseline Image(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new("image", "image", images =>
        {
            var shape = images.shape;
            var given = image.shape;
            if (given.Length == 3 && given.AsSpan().SequenceEqual(shape.AsSpan(1)))
            {
                using var one = image.unsqueeze(0);
                using var expanded = one.expand(shape);
                return expanded.to(images.dtype);
            }
            if (given.AsSpan().SequenceEqual(shape)) return image.to(images.dtype);
            throw new ArgumentException($"the baseline image has shape [{string.Join(", ", given)}] but the images are [{string.Join(", ", shape)}]: give [C, H, W] or [N, C, H, W]");
        });
    }

    /// <summary>The baseline for each of <paramref name="images"/>, [N, C, H, W]: a new tensor.</summary>
    public Tensor For(Tensor images) => _make(images);

    public override string ToString() => Description;
}
