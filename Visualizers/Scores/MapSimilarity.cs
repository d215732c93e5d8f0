using CnnVis.Torch;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// How alike two maps of the same images are, one value per image: Spearman's rank correlation (do they order the
/// pixels alike?), the intersection over union of their most relevant pixels, and SSIM (do they look alike?). Both
/// batches must have the same shape: [N, H, W] or [N, C, H, W].
/// </summary>
public static class MapSimilarity
{
    /// <summary>
    /// Spearman's ρ between each pair of maps: Pearson's correlation of their pixels' ranks, ties sharing their
    /// mean rank. A constant map ranks nothing, so its ρ with any map is taken as 0.
    /// </summary>
    public static double[] Spearman(Tensor a, Tensor b)
    {
        var (first, second, count, length) = PerImage(a, b);
        var result = new double[count];
        var order = new int[length];
        var keys = new double[length];
        var x = new double[length];
        var y = new double[length];
        for (var n = 0; n < count; n++)
        {
            Ranks(first.AsSpan(n * length, length), keys, order, x);
            Ranks(second.AsSpan(n * length, length), keys, order, y);
            result[n] = Pearson(x, y);
        }
        return result;
    }

    /// <summary>
    /// |A ∩ B| / |A ∪ B| for A and B the ⌈<paramref name="fraction"/> · pixels⌉ largest values of each map (equal
    /// values taken in pixel order).
    /// </summary>
    public static double[] TopKIntersectionOverUnion(Tensor a, Tensor b, double fraction = 0.1)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"the fraction of pixels must be in (0, 1], got {fraction}");
        var (first, second, count, length) = PerImage(a, b);
        var k = (int)Math.Ceiling(fraction * length - 1e-9);
        var result = new double[count];
        var scratch = new double[length];
        var inFirst = new bool[length];
        var inSecond = new bool[length];
        for (var n = 0; n < count; n++)
        {
            Top(first.AsSpan(n * length, length), k, scratch, inFirst);
            Top(second.AsSpan(n * length, length), k, scratch, inSecond);
            var shared = 0;
            for (var i = 0; i < length; i++)
            {
                if (inFirst[i] && inSecond[i]) shared++;
            }
            result[n] = shared / (double)(2 * k - shared);
        }
        return result;
    }

    /// <summary>
    /// Structural similarity (Wang et al., 2004) of each pair of maps, each first scaled to [0, 1] by its own range:
    /// the mean of SSIM over every 11×11 Gaussian window (σ = 1.5, smaller for maps under 11 pixels) that fits
    /// inside the map, with C1 = 0.01², C2 = 0.03². Maps with channels average SSIM over channels. 1 for equal maps.
    /// </summary>
    public static double[] Ssim(Tensor a, Tensor b)
    {
        CheckPair(a, b);
        using var scope = torch.NewDisposeScope();
        var shape = a.shape;
        var planes = a.Dimensions == 4 ? shape[1] : 1;
        // Scaled per map (all its channels together), then every channel as a plane of its own.
        var x = Rendering.MapNormalization.PerMap.Apply(a).to(ScalarType.Float64).reshape(-1, 1, shape[^2], shape[^1]);
        var y = Rendering.MapNormalization.PerMap.Apply(b).to(ScalarType.Float64).reshape(-1, 1, shape[^2], shape[^1]);
        var side = (int)Math.Min(11, Math.Min(shape[^2], shape[^1]));
        if (side % 2 == 0) side--;
        var window = Window(side, side == 11 ? 1.5 : 1.5 * side / 11.0);
        Tensor Filter(Tensor t) => torch.nn.functional.conv2d(t, window);
        var muX = Filter(x);
        var muY = Filter(y);
        var varX = Filter(x * x) - (muX * muX);
        var varY = Filter(y * y) - (muY * muY);
        var covariance = Filter(x * y) - (muX * muY);
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var map = ((2 * muX * muY) + c1) * ((2 * covariance) + c2) / (((muX * muX) + (muY * muY) + c1) * (varX + varY + c2));
        var perPlane = map.flatten(1).mean(1).view(shape[0], planes).mean(1);
        return perPlane.data<double>();
    }

    private static Tensor Window(int side, double sigma)
    {
        var radius = side / 2;
        var weights = new double[side * side];
        for (var y = 0; y < side; y++)
            for (var x = 0; x < side; x++)
                weights[y * side + x] = Math.Exp(-(((x - radius) * (x - radius)) + ((y - radius) * (y - radius))) / (2 * sigma * sigma));
        var total = weights.Sum();
        return torch.tensor(weights.Select(w => w / total).ToArray(), new long[] { 1, 1, side, side });
    }

    private static void CheckPair(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimensions is not (3 or 4))
            throw new ArgumentException($"maps must be [N, H, W] or [N, C, H, W], got shape [{string.Join(", ", a.shape)}]", nameof(a));
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"the maps compared must have one shape, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}]", nameof(b));
        if (a.size(0) == 0) throw new ArgumentException("no maps to compare", nameof(a));
    }

    // Both batches' values as doubles, one image after another, with the image count and each image's length.
    private static (double[] a, double[] b, int count, int length) PerImage(Tensor a, Tensor b)
    {
        CheckPair(a, b);
        var first = Values(a);
        var count = (int)a.size(0);
        return (first, Values(b), count, first.Length / count);
    }

    private static double[] Values(Tensor maps)
    {
        using var values = maps.to(ScalarType.Float64);
        return values.data<double>();
    }

    // Ranks from 1 into ranks, ties sharing the mean of the ranks they span (keys and order are scratch of the same length).
    private static void Ranks(ReadOnlySpan<double> values, double[] keys, int[] order, double[] ranks)
    {
        values.CopyTo(keys);
        for (var i = 0; i < order.Length; i++) order[i] = i;
        // The order among equal values does not matter: they share one rank.
        Array.Sort(keys, order);
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && keys[end + 1] == keys[start]) end++;
            var shared = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++) ranks[order[k]] = shared;
            start = end + 1;
        }
    }

    private static double Pearson(double[] x, double[] y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var (dx, dy) = (x[i] - meanX, y[i] - meanY);
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        return varianceX == 0 || varianceY == 0 ? 0 : covariance / Math.Sqrt(varianceX * varianceY);
    }

    // Marks the k largest values in top, equal values taken in pixel order: all above the k-th largest value, then
    // as many pixels holding exactly that value as are left, first ones first (scratch has the values' length).
    private static void Top(ReadOnlySpan<double> values, int k, double[] scratch, bool[] top)
    {
        values.CopyTo(scratch);
        Array.Sort(scratch);
        var threshold = scratch[^k];
        var above = 0;
        for (var i = 0; i < values.Length; i++)
        {
            top[i] = values[i].CompareTo(threshold) > 0;
            if (top[i]) above++;
        }
        for (var i = 0; i < values.Length && above < k; i++)
        {
            if (values[i].CompareTo(threshold) == 0)
            {
                top[i] = true;
                above++;
            }
        }
    }
}
