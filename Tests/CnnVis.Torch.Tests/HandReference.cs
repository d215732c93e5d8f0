namespace CnnVis.Torch.Tests;

/// <summary>
/// Plain C# loops for the layers the engine calls into libtorch for: the second route tests compare against.
/// Arrays are row-major [N, C, H, W] (or [N, F]) as libtorch lays tensors out.
/// </summary>
internal static class HandReference
{
    /// <summary>Deterministic numbers in [-1, 1) from System.Random, independent of libtorch's generator.</summary>
    public static double[] Numbers(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (var k = 0; k < count; k++) v[k] = rng.NextDouble() * 2 - 1;
        return v;
    }

    public static (double[] values, long[] shape) Conv2d(double[] x, long[] xs, double[] w, long[] ws, double[]? b,
        long[] stride, long[] pad, long[] dil, long groups)
    {
        long n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        long o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        var oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
        var ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
        var og = o / groups;
        var y = new double[n * o * oh * ow];
        for (long bi = 0; bi < n; bi++)
            for (long oc = 0; oc < o; oc++)
            {
                var g = oc / og;
                for (long i = 0; i < oh; i++)
                    for (long j = 0; j < ow; j++)
                    {
                        var acc = b?[oc] ?? 0.0;
                        for (long ic = 0; ic < cg; ic++)
                            for (long p = 0; p < kh; p++)
                                for (long q = 0; q < kw; q++)
                                {
                                    var r = i * stride[0] - pad[0] + p * dil[0];
                                    var s = j * stride[1] - pad[1] + q * dil[1];
                                    if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                                    var inC = g * cg + ic;
                                    acc += x[((bi * c + inC) * h + r) * wd + s] * w[((oc * cg + ic) * kh + p) * kw + q];
                                }
                        y[((bi * o + oc) * oh + i) * ow + j] = acc;
                    }
            }
        return (y, new[] { n, o, oh, ow });
    }

    /// <summary>Output length of a pooling window sweep, with PyTorch's ceil-mode rule (the last window must start inside input or left padding).</summary>
    public static long PoolOut(long size, long k, long s, long p, long d, bool ceil)
    {
        var span = size + 2 * p - d * (k - 1) - 1;
        var o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= size + p) o--;
        return o;
    }

    public static (double[] values, long[] shape) MaxPool2d(double[] x, long[] xs, long k, long s, long p, long d, bool ceil)
    {
        long nc = xs[0] * xs[1], h = xs[2], w = xs[3];
        var oh = PoolOut(h, k, s, p, d, ceil);
        var ow = PoolOut(w, k, s, p, d, ceil);
        var y = new double[nc * oh * ow];
        for (long m = 0; m < nc; m++)
            for (long i = 0; i < oh; i++)
                for (long j = 0; j < ow; j++)
                {
                    var best = double.NegativeInfinity;
                    for (long a = 0; a < k; a++)
                        for (long bb = 0; bb < k; bb++)
                        {
                            var r = i * s - p + a * d;
                            var c = j * s - p + bb * d;
                            if (r < 0 || r >= h || c < 0 || c >= w) continue;
                            best = Math.Max(best, x[(m * h + r) * w + c]);
                        }
                    y[(m * oh + i) * ow + j] = best;
                }
        return (y, new[] { xs[0], xs[1], oh, ow });
    }

    public static (double[] values, long[] shape) AvgPool2d(double[] x, long[] xs, long k, long s, long p, bool countIncludePad)
    {
        long nc = xs[0] * xs[1], h = xs[2], w = xs[3];
        var oh = PoolOut(h, k, s, p, 1, false);
        var ow = PoolOut(w, k, s, p, 1, false);
        var y = new double[nc * oh * ow];
        for (long m = 0; m < nc; m++)
            for (long i = 0; i < oh; i++)
                for (long j = 0; j < ow; j++)
                {
                    double sum = 0;
                    var count = 0;
                    for (long a = 0; a < k; a++)
                        for (long bb = 0; bb < k; bb++)
                        {
                            var r = i * s - p + a;
                            var c = j * s - p + bb;
                            if (r < 0 || r >= h || c < 0 || c >= w) continue;
                            sum += x[(m * h + r) * w + c];
                            count++;
                        }
                    y[(m * oh + i) * ow + j] = sum / (countIncludePad ? k * k : count);
                }
        return (y, new[] { xs[0], xs[1], oh, ow });
    }

    public static (double[] values, long[] shape) AdaptiveAvgPool2d(double[] x, long[] xs, long oh, long ow)
    {
        long nc = xs[0] * xs[1], h = xs[2], w = xs[3];
        var y = new double[nc * oh * ow];
        for (long m = 0; m < nc; m++)
            for (long i = 0; i < oh; i++)
                for (long j = 0; j < ow; j++)
                {
                    // Window [floor(i·in/out), ceil((i+1)·in/out)).
                    long r0 = i * h / oh, r1 = ((i + 1) * h + oh - 1) / oh;
                    long c0 = j * w / ow, c1 = ((j + 1) * w + ow - 1) / ow;
                    double sum = 0;
                    for (var r = r0; r < r1; r++)
                        for (var c = c0; c < c1; c++) sum += x[(m * h + r) * w + c];
                    y[(m * oh + i) * ow + j] = sum / ((r1 - r0) * (c1 - c0));
                }
        return (y, new[] { xs[0], xs[1], oh, ow });
    }

    /// <summary>Log-softmax of each row of an [n, c] matrix.</summary>
    public static double[] LogSoftmaxRows(double[] x, int n, int c)
    {
        var y = new double[n * c];
        for (var i = 0; i < n; i++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < c; j++) max = Math.Max(max, x[i * c + j]);
            double sum = 0;
            for (var j = 0; j < c; j++) sum += Math.Exp(x[i * c + j] - max);
            var logSum = max + Math.Log(sum);
            for (var j = 0; j < c; j++) y[i * c + j] = x[i * c + j] - logSum;
        }
        return y;
    }

    /// <summary>Bilinear resize of one [h, w] plane, PyTorch's source-index rule for both align_corners settings.</summary>
    public static double[] Bilinear(double[] x, int h, int w, int oh, int ow, bool alignCorners)
    {
        double Source(int dst, int inSize, int outSize)
        {
            if (alignCorners) return outSize > 1 ? dst * (inSize - 1.0) / (outSize - 1.0) : 0;
            return Math.Max((dst + 0.5) * inSize / outSize - 0.5, 0);
        }
        var y = new double[oh * ow];
        for (var i = 0; i < oh; i++)
        {
            var sy = Source(i, h, oh);
            var y0 = (int)Math.Floor(sy);
            var y1 = Math.Min(y0 + 1, h - 1);
            var ly = sy - y0;
            for (var j = 0; j < ow; j++)
            {
                var sx = Source(j, w, ow);
                var x0 = (int)Math.Floor(sx);
                var x1 = Math.Min(x0 + 1, w - 1);
                var lx = sx - x0;
                y[i * ow + j] = (1 - ly) * ((1 - lx) * x[y0 * w + x0] + lx * x[y0 * w + x1])
                              + ly * ((1 - lx) * x[y1 * w + x0] + lx * x[y1 * w + x1]);
            }
        }
        return y;
    }
}
