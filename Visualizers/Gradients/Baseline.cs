using CnnVis.Torch;

namespace CnnVis.Visualizers.Gradients;

/// <summary>
/// The "absence of signal" integrated gradients starts its path from: black (zeros), a constant, or images of the
/// caller's own (e.g. the dataset mean), one shared by all images or one per image.
/// </summary>
public sealed class Baseline
{
    private readonly Func<Tensor, Tensor> _make;

    private Baseline(string description, Func<Tensor, Tensor> make)
    {
        Description = description;
        _make = make;
    }

    public string Description { get; }

    /// <summary>All zeros: black for images in [0, 1], the mean for standardised images.</summary>
    public static Baseline Zero { get; } = new("zero", images => torch.zeros_like(images));

    /// <summary>Every value set to <paramref name="value"/>.</summary>
    public static Baseline Constant(double value) => new($"constant {value}", images => torch.full_like(images, value));

    /// <summary>
    /// Each image blurred with a Gaussian of <paramref name="sigma"/> pixels: its colours without its detail, the
    /// canvas insertion (Petsiuk et al.) reveals pixels on.
    /// </summary>
    public static Baseline Blurred(double sigma = 5)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), $"the blur's sigma must be positive, got {sigma}");
        return new($"blurred (sigma {sigma})", images => GaussianBlur.Apply(images, sigma));
    }

    /// <summary>
    /// The caller's own baseline: [C, H, W] shared by all images, or [N, C, H, W] one per image. The caller keeps
    /// ownership of <paramref name="image"/> and must keep it alive while the baseline is used.
    /// </summary>
    public static Baseline Image(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new("image", images =>
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
