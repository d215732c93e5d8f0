using CnnVis.Torch;

namespace CnnVis.Visualizers.Features;

/// <summary>
/// What activation maximization makes an image for, one image per entry: a class logit (class-specific image
/// generation, Simonyan et al.) or the mean activation of one channel of a layer (what a filter responds to).
/// </summary>
public abstract class ActivationGoal
{
    private protected ActivationGoal() { }

    /// <summary>One image per class in <paramref name="classes"/>, each raising that class's logit.</summary>
    public static ActivationGoal Classes(params int[] classes) => new ClassLogitGoal(classes);

    /// <summary>One image per channel in <paramref name="channels"/> of <paramref name="layer"/> (a dotted path), each raising that channel's mean activation.</summary>
    public static ActivationGoal Channels(string layer, params int[] channels) => new ChannelGoal(layer, channels);

    /// <summary>The layer whose output is scored, or null for the logits.</summary>
    public abstract string? Layer { get; }

    /// <summary>How many images the goal asks for.</summary>
    public abstract int Count { get; }

    /// <summary>The score of each image, [Count], from the scored output of the batch (image i serves entry i).</summary>
    internal abstract Tensor Score(Tensor output);

    /// <summary>What image <paramref name="index"/> is for, e.g. "class 3" or "features.4 channel 7".</summary>
    public abstract string Describe(int index);

    /// <summary>A one-hot selector [Count, width] picking entry i's index in row i, in <paramref name="like"/>'s dtype.</summary>
    private protected static Tensor Selector(IReadOnlyList<int> indices, long width, Tensor like)
    {
        var values = new float[indices.Count * width];
        for (var i = 0; i < indices.Count; i++) values[i * width + indices[i]] = 1;
        using var selector = torch.tensor(values, new long[] { indices.Count, width });
        return selector.to(like.dtype);
    }

    private protected static int[] CheckIndices(int[] indices, string what)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length == 0) throw new ArgumentException($"name at least one {what}", nameof(indices));
        var negative = indices.FirstOrDefault(i => i < 0, 0);
        if (negative < 0) throw new ArgumentOutOfRangeException(nameof(indices), $"{what} {negative} is out of range: they are numbered from 0");
        return indices.ToArray();
    }
}
