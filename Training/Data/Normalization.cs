using CnnVis.Torch;

namespace CnnVis.Training.Data;

/// <summary>Per-channel mean and standard deviation: a pixel becomes (value − mean) / std.</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>Leaves values as they are.</summary>
    public static Normalization Identity(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>Throws unless this fits images of <paramref name="channels"/> channels and every std is positive.</summary>
    public void Validate(int channels)
    {
        if (Mean.Length != channels || Std.Length != channels)
            throw new ArgumentException($"the normalisation has {Mean.Length} means and {Std.Length} stds, but the images have {channels} channels");
        for (var c = 0; c < channels; c++)
        {
            if (!(Std[c] > 0) || !float.IsFinite(Std[c]) || !float.IsFinite(Mean[c]))
                throw new ArgumentException($"the normalisation of channel {c} is unusable: mean {Mean[c]}, std {Std[c]}");
        }
    }

    /// <summary>Mean and standard deviation per channel measured over <paramref name="images"/> (each C×H×W in [0, 1]).</summary>
    public static Normalization Measure(IEnumerable<float[]> images, int channels)
    {
        var sum = new double[channels];
        var sumSquares = new double[channels];
        long perChannel = 0;
        foreach (var image in images)
        {
            var plane = image.Length / channels;
            for (var c = 0; c < channels; c++)
            {
                double s = 0, q = 0;
                foreach (var v in image.AsSpan(c * plane, plane))
                {
                    s += v;
                    q += (double)v * v;
                }
                sum[c] += s;
                sumSquares[c] += q;
            }
            perChannel += plane;
        }
        if (perChannel == 0) throw new ArgumentException("cannot measure a normalisation over no images", nameof(images));
        var mean = new float[channels];
        var std = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var m = sum[c] / perChannel;
            mean[c] = (float)m;
            // A flat channel would divide by zero; keep its values near where they are instead.
            std[c] = (float)Math.Max(Math.Sqrt(Math.Max(sumSquares[c] / perChannel - m * m, 0)), 1e-3);
        }
        return new Normalization(mean, std);
    }

    /// <summary>Normalises a batch [N, C, H, W] of images in [0, 1] as the models see them; a new tensor the caller owns.</summary>
    public Tensor Apply(Tensor images)
    {
        using var mean = torch.tensor(Mean, new long[] { 1, Mean.Length, 1, 1 });
        using var std = torch.tensor(Std, new long[] { 1, Std.Length, 1, 1 });
        using var centred = images - mean;
        return centred / std;
    }

    public override string ToString() => $"mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";
}
