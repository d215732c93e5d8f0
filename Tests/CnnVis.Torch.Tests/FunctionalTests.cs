using static CnnVis.Torch.Tests.HandReference;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>torch.nn.functional against the plain loops of <see cref="HandReference"/> and against second routes.</summary>
public class FunctionalTests
{
    public static TheoryData<long[], long[], long[], long, bool, long[]> ConvCases => new()
    {
        // stride, padding, dilation, groups, bias, input shape
        { new long[] { 1, 1 }, new long[] { 0, 0 }, new long[] { 1, 1 }, 1, true, new long[] { 2, 3, 5, 6 } },
        { new long[] { 2, 2 }, new long[] { 1, 1 }, new long[] { 1, 1 }, 1, false, new long[] { 1, 2, 7, 7 } },
        { new long[] { 1, 1 }, new long[] { 2, 2 }, new long[] { 2, 2 }, 1, true, new long[] { 1, 2, 6, 5 } },
        { new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 1, 1 }, 2, true, new long[] { 2, 4, 4, 4 } },
        { new long[] { 2, 1 }, new long[] { 1, 0 }, new long[] { 1, 2 }, 1, true, new long[] { 1, 3, 6, 7 } },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2dMatchesAHandLoop(long[] stride, long[] padding, long[] dilation, long groups, bool bias, long[] inputShape)
    {
        using var scope = torch.NewDisposeScope();
        var outChannels = 4L;
        var ws = new[] { outChannels, inputShape[1] / groups, 3, 3 };
        var x = Numbers((int)inputShape.Aggregate(1L, (a, b) => a * b), 1);
        var w = Numbers((int)ws.Aggregate(1L, (a, b) => a * b), 2);
        var b = bias ? Numbers((int)outChannels, 3) : null;
        var (expected, shape) = HandReference.Conv2d(x, inputShape, w, ws, b, stride, padding, dilation, groups);

        var y = F.conv2d(torch.tensor(x, inputShape), torch.tensor(w, ws), b is null ? null : torch.tensor(b), stride, padding, dilation, groups);
        Assert.Equal(shape, y.shape);
        TensorAssert.Close(expected, y, 1e-12);

        // float32 gives the same up to rounding.
        var y32 = F.conv2d(torch.tensor(x, inputShape).@float(), torch.tensor(w, ws).@float(), b is null ? null : torch.tensor(b).@float(),
            stride, padding, dilation, groups);
        Assert.Equal(ScalarType.Float32, y32.dtype);
        TensorAssert.Close(expected, y32, 1e-5);
    }

    [Fact]
    public void Conv2dDefaultsAreStrideOneNoPadding()
    {
        using var scope = torch.NewDisposeScope();
        // A 2x2 kernel of ones sums each 2x2 window.
        var x = torch.arange(0, 9, 1, ScalarType.Float64).reshape(1, 1, 3, 3);
        var w = torch.ones(new long[] { 1, 1, 2, 2 }, ScalarType.Float64);
        TensorAssert.Equal(new[] { 0.0 + 1 + 3 + 4, 1 + 2 + 4 + 5, 3 + 4 + 6 + 7, 4 + 5 + 7 + 8 }, new long[] { 1, 1, 2, 2 }, F.conv2d(x, w));
    }

    [Fact]
    public void LinearMatchesExplicitMatmul()
    {
        using var scope = torch.NewDisposeScope();
        var x = Numbers(12, 4);
        var w = Numbers(8, 5);
        var b = Numbers(2, 6);
        var expected = new double[6];
        for (var i = 0; i < 3; i++)
            for (var o = 0; o < 2; o++)
            {
                expected[i * 2 + o] = b[o];
                for (var k = 0; k < 4; k++) expected[i * 2 + o] += x[i * 4 + k] * w[o * 4 + k];
            }
        var tx = torch.tensor(x, new long[] { 3, 4 });
        var tw = torch.tensor(w, new long[] { 2, 4 });
        var tb = torch.tensor(b);
        var y = F.linear(tx, tw, tb);
        Assert.Equal(new long[] { 3, 2 }, y.shape);
        TensorAssert.Close(expected, y, 1e-14);
        // Second route: x Wᵀ + b with matmul.
        TensorAssert.Close(tx.matmul(tw.t()) + tb, y, 1e-14);
        TensorAssert.Close(tx.matmul(tw.t()), F.linear(tx, tw), 1e-14);
        // Leading dimensions pass through.
        var batched = F.linear(torch.stack(new[] { tx, tx }), tw, tb);
        Assert.Equal(new long[] { 2, 3, 2 }, batched.shape);
        TensorAssert.Close(expected.Concat(expected).ToArray(), batched, 1e-14);
    }

    [Fact]
    public void ReluZeroesNegatives()
    {
        using var scope = torch.NewDisposeScope();
        TensorAssert.Equal(new[] { 0.0, 0, 0, 2 }, new long[] { 4 }, F.relu(torch.tensor(new[] { -1.0, -0.0, 0, 2 })));
    }

    public static TheoryData<long, long, long, long, bool, long[]> MaxPoolCases => new()
    {
        // kernel, stride, padding, dilation, ceil_mode, input shape
        { 2, 2, 0, 1, false, new long[] { 1, 2, 4, 4 } },
        { 3, 1, 1, 1, false, new long[] { 2, 1, 5, 4 } },
        { 3, 2, 1, 1, false, new long[] { 1, 3, 7, 7 } },
        { 2, 2, 0, 1, true, new long[] { 1, 1, 5, 5 } },
        { 2, 1, 0, 2, false, new long[] { 1, 1, 5, 6 } },
        { 3, 2, 1, 1, true, new long[] { 1, 1, 6, 6 } },
    };

    [Theory]
    [MemberData(nameof(MaxPoolCases))]
    public void MaxPool2dMatchesAHandLoop(long k, long s, long p, long d, bool ceil, long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        var x = Numbers((int)shape.Aggregate(1L, (a, b) => a * b), 7);
        var (expected, outShape) = HandReference.MaxPool2d(x, shape, k, s, p, d, ceil);
        var y = F.max_pool2d(torch.tensor(x, shape), new[] { k, k }, new[] { s, s }, new[] { p, p }, new[] { d, d }, ceil);
        Assert.Equal(outShape, y.shape);
        Assert.Equal(expected, TensorAssert.Values(y));
    }

    [Fact]
    public void MaxPool2dStrideDefaultsToTheKernel()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2, 5, 3, 4, 0, -1, 6, 7, 8, 9, 1, 2, 3, 4, 0 }, new long[] { 1, 1, 4, 4 });
        // Windows: [1 2 4 0]=4, [5 3 -1 6]=6, [7 8 2 3]=8, [9 1 4 0]=9.
        TensorAssert.Equal(new[] { 4.0, 6, 8, 9 }, new long[] { 1, 1, 2, 2 }, F.max_pool2d(x, new long[] { 2, 2 }));
    }

    [Theory]
    [InlineData(2, 2, 0, true)]
    [InlineData(3, 1, 1, true)]
    [InlineData(3, 1, 1, false)]
    [InlineData(3, 2, 1, false)]
    public void AvgPool2dMatchesAHandLoop(long k, long s, long p, bool countIncludePad)
    {
        using var scope = torch.NewDisposeScope();
        var shape = new long[] { 2, 2, 5, 5 };
        var x = Numbers(100, 8);
        var (expected, outShape) = HandReference.AvgPool2d(x, shape, k, s, p, countIncludePad);
        var y = F.avg_pool2d(torch.tensor(x, shape), new[] { k, k }, new[] { s, s }, new[] { p, p }, count_include_pad: countIncludePad);
        Assert.Equal(outShape, y.shape);
        TensorAssert.Close(expected, y, 1e-14);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(5, 7)]
    public void AdaptiveAvgPool2dMatchesAHandLoop(long oh, long ow)
    {
        using var scope = torch.NewDisposeScope();
        var shape = new long[] { 1, 3, 5, 7 };
        var x = Numbers(105, 9);
        var (expected, outShape) = HandReference.AdaptiveAvgPool2d(x, shape, oh, ow);
        var y = F.adaptive_avg_pool2d(torch.tensor(x, shape), new[] { oh, ow });
        Assert.Equal(outShape, y.shape);
        TensorAssert.Close(expected, y, 1e-14);
    }

    [Fact]
    public void BatchNormInEvalModeUsesRunningStatistics()
    {
        using var scope = torch.NewDisposeScope();
        var x = Numbers(2 * 3 * 2 * 2, 10);
        double[] mean = { 0.1, -0.2, 0.3 }, var = { 0.5, 2, 1.5 }, gamma = { 1.5, 0.5, -1 }, beta = { 0, 0.25, 1 };
        const double eps = 1e-3;
        var expected = new double[x.Length];
        for (var k = 0; k < x.Length; k++)
        {
            var c = k / 4 % 3;
            expected[k] = (x[k] - mean[c]) / Math.Sqrt(var[c] + eps) * gamma[c] + beta[c];
        }
        var rm = torch.tensor(mean);
        var rv = torch.tensor(var);
        var y = F.batch_norm(torch.tensor(x, new long[] { 2, 3, 2, 2 }), rm, rv, torch.tensor(gamma), torch.tensor(beta), training: false, eps: eps);
        TensorAssert.Close(expected, y, 1e-13);
        // Evaluation leaves the running statistics alone.
        Assert.Equal(mean, rm.data<double>());
        Assert.Equal(var, rv.data<double>());
    }

    [Fact]
    public void BatchNormInTrainingModeUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        using var scope = torch.NewDisposeScope();
        var x = Numbers(3 * 2 * 2 * 2, 11);
        double[] gamma = { 2, -0.5 }, beta = { 0.5, 0 };
        const double eps = 1e-5, momentum = 0.3;
        var expected = new double[x.Length];
        var batchMean = new double[2];
        var batchVar = new double[2];
        for (var c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, x.Length).Where(k => k / 4 % 2 == c).Select(k => x[k]).ToArray();
            batchMean[c] = values.Average();
            batchVar[c] = values.Select(v => (v - batchMean[c]) * (v - batchMean[c])).Average();
        }
        for (var k = 0; k < x.Length; k++)
        {
            var c = k / 4 % 2;
            expected[k] = (x[k] - batchMean[c]) / Math.Sqrt(batchVar[c] + eps) * gamma[c] + beta[c];
        }
        var rm = torch.tensor(new[] { 1.0, -1.0 });
        var rv = torch.tensor(new[] { 2.0, 0.5 });
        var y = F.batch_norm(torch.tensor(x, new long[] { 3, 2, 2, 2 }), rm, rv, torch.tensor(gamma), torch.tensor(beta), training: true,
            momentum: momentum, eps: eps);
        TensorAssert.Close(expected, y, 1e-12);
        // Running variance takes the unbiased batch variance (n = 12 per channel).
        TensorAssert.Close(new[] { 0.7 * 1 + 0.3 * batchMean[0], 0.7 * -1 + 0.3 * batchMean[1] }, rm, 1e-14);
        TensorAssert.Close(new[] { 0.7 * 2 + 0.3 * batchVar[0] * 12 / 11, 0.7 * 0.5 + 0.3 * batchVar[1] * 12 / 11 }, rv, 1e-14);
        // No running statistics and no affine parameters: plain normalisation.
        var plain = F.batch_norm(torch.tensor(x, new long[] { 3, 2, 2, 2 }), null, null, training: true, eps: eps);
        TensorAssert.Close(Enumerable.Range(0, x.Length).Select(k => (x[k] - batchMean[k / 4 % 2]) / Math.Sqrt(batchVar[k / 4 % 2] + eps)).ToArray(), plain, 1e-12);
    }

    [Fact]
    public void DropoutZeroesAndRescales()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(new long[] { 20000 });
        Assert.Equal(x.data<float>(), F.dropout(x, 0.0).data<float>());
        Assert.All(F.dropout(x, 1.0).data<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(x.data<float>(), F.dropout(x, 0.5, training: false).data<float>());
        var half = F.dropout(x, 0.5).data<float>();
        Assert.All(half, v => Assert.True(v == 0 || v == 2, $"kept values are scaled by 1/(1-p): got {v}"));
        Assert.InRange(half.Count(v => v == 0) / (double)half.Length, 0.48, 0.52);
        var quarter = F.dropout(x, 0.25).data<float>();
        Assert.All(quarter, v => Assert.True(v == 0 || Math.Abs(v - 4f / 3) < 1e-6, $"got {v}"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void SoftmaxIsExpOverSum(long dim)
    {
        using var scope = torch.NewDisposeScope();
        var x = Numbers(12, 12).Select(v => v * 5).ToArray();
        var t = torch.tensor(x, new long[] { 3, 4 });
        // Second route: exp(x) / sum(exp(x)) with the engine's own elementwise operators.
        var e = t.exp();
        var viaOps = e / e.sum(dim, keepdim: true);
        TensorAssert.Close(viaOps, F.softmax(t, dim), 1e-15);
        TensorAssert.Close(viaOps, torch.softmax(t, dim), 1e-15);
        TensorAssert.Close(viaOps.log(), F.log_softmax(t, dim), 1e-14);
        TensorAssert.Close(viaOps.log(), torch.log_softmax(t, dim), 1e-14);
        if (dim != 0)
        {
            TensorAssert.Close(LogSoftmaxRows(x, 3, 4), F.log_softmax(t, dim), 1e-14);
        }
        // Each slice sums to one.
        TensorAssert.Close(Enumerable.Repeat(1.0, dim == 0 ? 4 : 3).ToArray(), F.softmax(t, dim).sum(dim), 1e-15);
    }

    [Fact]
    public void SoftmaxIsStableForLargeLogits()
    {
        using var scope = torch.NewDisposeScope();
        var y = F.softmax(torch.tensor(new[] { 1000.0, 1000.0 }), 0);
        Assert.Equal(new[] { 0.5, 0.5 }, y.data<double>());
    }

    private static readonly double[] Logits = Numbers(12, 13).Select(v => v * 3).ToArray();
    private static readonly long[] Targets = { 2, 0, 3 };

    private static double[] HandCrossEntropy(double[]? weight, double smoothing, long ignore = -100)
    {
        var logp = LogSoftmaxRows(Logits, 3, 4);
        var losses = new double[3];
        for (var i = 0; i < 3; i++)
        {
            if (Targets[i] == ignore) continue;
            var t = (int)Targets[i];
            var w = weight?[t] ?? 1;
            var nll = -logp[i * 4 + t] * w;
            double smooth = 0;
            for (var c = 0; c < 4; c++) smooth += -logp[i * 4 + c] * (weight?[c] ?? 1);
            losses[i] = (1 - smoothing) * nll + smoothing / 4 * smooth;
        }
        return losses;
    }

    [Fact]
    public void CrossEntropyIsNegativeLogSoftmaxAtTheTarget()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.tensor(Logits, new long[] { 3, 4 });
        var target = torch.tensor(Targets);
        var losses = HandCrossEntropy(null, 0);
        TensorAssert.Close(new[] { losses.Average() }, F.cross_entropy(logits, target), 1e-14);
        TensorAssert.Close(new[] { losses.Sum() }, F.cross_entropy(logits, target, reduction: Reduction.Sum), 1e-14);
        TensorAssert.Close(losses, F.cross_entropy(logits, target, reduction: Reduction.None), 1e-14);
        // Second route: -log_softmax gathered at the targets.
        var gathered = -F.log_softmax(logits, 1).gather(1, target.unsqueeze(1)).squeeze(1);
        TensorAssert.Close(gathered, F.cross_entropy(logits, target, reduction: Reduction.None), 1e-15);
        TensorAssert.Close(gathered.mean(), F.cross_entropy(logits, target), 1e-15);
    }

    [Fact]
    public void CrossEntropyWeightsIgnoredTargetsAndLabelSmoothing()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.tensor(Logits, new long[] { 3, 4 });
        double[] weight = { 0.5, 1, 2, 3 };
        var target = torch.tensor(Targets);
        // Weighted mean divides by the weights of the targets.
        var weighted = HandCrossEntropy(weight, 0);
        var denominator = Targets.Sum(t => weight[t]);
        TensorAssert.Close(new[] { weighted.Sum() / denominator }, F.cross_entropy(logits, target, torch.tensor(weight)), 1e-14);

        // An ignored target neither adds loss nor counts in the mean.
        var withIgnored = torch.tensor(new long[] { 2, -100, 3 });
        var plain = HandCrossEntropy(null, 0);
        TensorAssert.Close(new[] { (plain[0] + plain[2]) / 2 }, F.cross_entropy(logits, withIgnored), 1e-14);
        var customIgnore = torch.tensor(new long[] { 2, 0, 3 });
        TensorAssert.Close(new[] { (plain[0] + plain[2]) / 2 }, F.cross_entropy(logits, customIgnore, ignore_index: 0), 1e-14);

        var smoothed = HandCrossEntropy(null, 0.2);
        TensorAssert.Close(new[] { smoothed.Average() }, F.cross_entropy(logits, target, label_smoothing: 0.2), 1e-14);
    }

    [Fact]
    public void CrossEntropyWithClassProbabilities()
    {
        using var scope = torch.NewDisposeScope();
        double[] probs = { 0.7, 0.1, 0.1, 0.1, 0, 0, 1, 0, 0.25, 0.25, 0.25, 0.25 };
        var logp = LogSoftmaxRows(Logits, 3, 4);
        var losses = Enumerable.Range(0, 3).Select(i => -Enumerable.Range(0, 4).Sum(c => probs[i * 4 + c] * logp[i * 4 + c])).ToArray();
        var y = F.cross_entropy(torch.tensor(Logits, new long[] { 3, 4 }), torch.tensor(probs, new long[] { 3, 4 }));
        TensorAssert.Close(new[] { losses.Average() }, y, 1e-14);
        // A one-hot probability row gives the same loss as its class index.
        var hard = F.cross_entropy(torch.tensor(Logits, new long[] { 3, 4 }), torch.tensor(Targets), reduction: Reduction.None);
        var oneHot = F.cross_entropy(torch.tensor(Logits, new long[] { 3, 4 }), F.one_hot(torch.tensor(Targets), 4).@double(), reduction: Reduction.None);
        TensorAssert.Close(hard, oneHot, 1e-15);
    }

    [Fact]
    public void MseLoss()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2, 3, 4 });
        var b = torch.tensor(new[] { 1.5, 0, 3, 7 });
        TensorAssert.Close(new[] { (0.25 + 4 + 0 + 9) / 4 }, F.mse_loss(a, b), 1e-15);
        TensorAssert.Close(new[] { 13.25 }, F.mse_loss(a, b, Reduction.Sum), 1e-15);
        TensorAssert.Close(new[] { 0.25, 4, 0, 9 }, F.mse_loss(a, b, Reduction.None), 1e-15);
    }

    [Fact]
    public void OneHotAndPad()
    {
        using var scope = torch.NewDisposeScope();
        var classes = torch.tensor(new long[] { 0, 2, 1 });
        var oh = F.one_hot(classes, 4);
        Assert.Equal(ScalarType.Int64, oh.dtype);
        TensorAssert.Equal(new double[] { 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0 }, new long[] { 3, 4 }, oh);
        Assert.Equal(new long[] { 3, 3 }, F.one_hot(classes).shape);

        var m = torch.tensor(new[] { 1.0, 2, 3, 4 }, new long[] { 2, 2 });
        // [left 1, right 0, top 0, bottom 1], filled with 9.
        TensorAssert.Equal(new[] { 9.0, 1, 2, 9, 3, 4, 9, 9, 9 }, new long[] { 3, 3 }, F.pad(m, new long[] { 1, 0, 0, 1 }, 9));
        TensorAssert.Equal(new[] { 0.0, 1, 2, 0, 0, 3, 4, 0 }, new long[] { 2, 4 }, F.pad(m, new long[] { 1, 1 }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BilinearInterpolationMatchesTheHandFormula(bool alignCorners)
    {
        using var scope = torch.NewDisposeScope();
        double[] plane = { 1, 3, 5, 11 };
        var x = torch.tensor(plane, new long[] { 1, 1, 2, 2 });
        var y = F.interpolate(x, new long[] { 4, 4 }, InterpolationMode.Bilinear, alignCorners);
        Assert.Equal(new long[] { 1, 1, 4, 4 }, y.shape);
        var expected = Bilinear(plane, 2, 2, 4, 4, alignCorners);
        TensorAssert.Close(expected, y, 1e-14);
        if (alignCorners)
        {
            // Corners are kept exactly; the top row steps by (3 - 1) / 3.
            var v = TensorAssert.Values(y);
            TensorAssert.Close(new[] { 1.0, 1 + 2.0 / 3, 1 + 4.0 / 3, 3 }, v.Take(4).ToArray(), 1e-14);
            Assert.Equal(1.0, v[0]);
            Assert.Equal(3.0, v[3]);
            Assert.Equal(5.0, v[12]);
            Assert.Equal(11.0, v[15]);
        }
        else
        {
            // Half-pixel centres: the first output pixel maps to -0.25, clamped to 0; the second to 0.25.
            TensorAssert.Close(new[] { 1.0, 1.5, 2.5, 3 }, TensorAssert.Values(y).Take(4).ToArray(), 1e-15);
        }
        // Non-square, downsampling, several channels.
        var big = Numbers(2 * 5 * 7, 14);
        var yb = F.interpolate(torch.tensor(big, new long[] { 1, 2, 5, 7 }), new long[] { 3, 4 }, align_corners: alignCorners);
        var expectedBig = Bilinear(big.Take(35).ToArray(), 5, 7, 3, 4, alignCorners)
            .Concat(Bilinear(big.Skip(35).ToArray(), 5, 7, 3, 4, alignCorners)).ToArray();
        TensorAssert.Close(expectedBig, yb, 1e-14);
    }

    [Fact]
    public void NearestInterpolationRepeatsPixels()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2, 3, 4 }, new long[] { 1, 1, 2, 2 });
        TensorAssert.Equal(new[] { 1.0, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, new long[] { 1, 1, 4, 4 },
            F.interpolate(x, new long[] { 4, 4 }, InterpolationMode.Nearest));
        // Downsampling 3x3 -> 2x2 picks source floor(dst · 1.5) = 0, 1.
        var y = torch.arange(0, 9, 1, ScalarType.Float64).reshape(1, 1, 3, 3);
        TensorAssert.Equal(new[] { 0.0, 1, 3, 4 }, new long[] { 1, 1, 2, 2 }, F.interpolate(y, new long[] { 2, 2 }, InterpolationMode.Nearest));
    }
}
