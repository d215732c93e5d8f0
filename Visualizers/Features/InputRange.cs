using CnnVis.Torch;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// The values a model's input can take, per channel, in the model's (normalised) units: generated images are
/// clipped to it so they stay images the data could hold.
/// </summary>
public sealed record InputRange
{
    public InputRange(IReadOnlyList<float> lower, IReadOnlyList<float> upper)
    {
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(upper);
        if (lower.Count == 0 || lower.Count != upper.Count)
            throw new ArgumentException($"the input range needs one lower and one upper bound per channel, got {lower.Count} and {upper.Count}", nameof(upper));
        for (var c = 0; c < lower.Count; c++)
        {
            if (!(lower[c] < upper[c]) || !float.IsFinite(lower[c]) || !float.IsFinite(upper[c]))
                throw new ArgumentException($"channel {c}'s input range [{lower[c]}, {upper[c]}] is empty or not finite", nameof(upper));
        }
        Lower = lower.ToArray();
        Upper = upper.ToArray();
    }

    public IReadOnlyList<float> Lower { get; }

    public IReadOnlyList<float> Upper { get; }

    public int Channels => Lower.Count;

    /// <summary>Pixels in [0, 1] after the dataset's normalisation (value − mean) / std.</summary>
    public static InputRange FromNormalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != std.Count) throw new ArgumentException($"{mean.Count} means but {std.Count} standard deviations were given", nameof(std));
        for (var c = 0; c < std.Count; c++)
        {
            if (!(std[c] > 0)) throw new ArgumentException($"channel {c}'s standard deviation must be positive, got {std[c]}", nameof(std));
        }
        return new InputRange(mean.Select((m, c) => -m / std[c]).ToArray(), mean.Select((m, c) => (1 - m) / std[c]).ToArray());
    }

    /// <summary>Pixels in [0, 1] as they are (no normalisation).</summary>
    public static InputRange Unit(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>Images [N, C, H, W] in these units as pixels in [0, 1] (the range's ends become 0 and 1): a new tensor the caller owns.</summary>
    public Tensor ToUnit(Tensor images)
    {
        CheckChannels(images);
        using var scope = torch.NewDisposeScope();
        var (lower, upper) = Bounds(images);
        return scope.MoveToOuter(((images - lower) / (upper - lower)).clamp(0, 1));
    }

    /// <summary>Pixels [N, C, H, W] in [0, 1] in these units: the inverse of <see cref="ToUnit"/>. A new tensor the caller owns.</summary>
    public Tensor FromUnit(Tensor pixels)
    {
        CheckChannels(pixels);
        using var scope = torch.NewDisposeScope();
        var (lower, upper) = Bounds(pixels);
        return scope.MoveToOuter(lower + (pixels * (upper - lower)));
    }

    /// <summary>The lower and upper bounds as [1, C, 1, 1] tensors in <paramref name="like"/>'s dtype, owned by the current scope.</summary>
    public (Tensor lower, Tensor upper) Bounds(Tensor like)
    {
        var lower = torch.tensor(Lower.ToArray(), new long[] { 1, Channels, 1, 1 }).to(like.dtype);
        var upper = torch.tensor(Upper.ToArray(), new long[] { 1, Channels, 1, 1 }).to(like.dtype);
        return (lower, upper);
    }

    private void CheckChannels(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dimensions != 4 || images.size(1) != Channels)
            throw new ArgumentException($"images must be [N, {Channels}, H, W] for this input range, got shape [{string.Join(", ", images.shape)}]", nameof(images));
    }

    // Records compare lists by reference; ranges are compared by value.
    public bool Equals(InputRange? other) => other is not null && Lower.SequenceEqual(other.Lower) && Upper.SequenceEqual(other.Upper);

    public override int GetHashCode() => HashCode.Combine(Channels, Lower[0], Upper[0]);
}
