using CnnVis.Torch.Modules;
using static CnnVis.Torch.Tests.HandReference;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>
/// cnnvis::batch_norm_relu (Torch/native/src/fused_ops.cpp) against the two operators it replaces, batch_norm then relu,
/// and against finite differences; and Sequential's use of it for BatchNorm2d + ReLU pairs.
/// </summary>
public class FusedBatchNormReluTests
{
    public static TheoryData<bool, bool> Modes => new() { { true, true }, { true, false }, { false, true }, { false, false } };

    /// <summary>Input, weight and bias with mixed signs; the input is [N, C, H, W], laid out as asked.</summary>
    private static (Tensor x, Tensor w, Tensor b) Inputs(long[] shape, bool channelsLast, ScalarType dtype, int seed, bool requiresGrad)
    {
        var count = (int)shape.Aggregate(1L, (a, d) => a * d);
        // A per-channel offset far from zero checks the statistics do not lose precision to cancellation.
        var values = Numbers(count, seed);
        var plane = shape[2] * shape[3];
        for (var k = 0; k < count; k++) values[k] = values[k] * 2 + 3 * ((k / plane) % shape[1]);
        using var raw = torch.tensor(values, shape).to(dtype);
        var x = channelsLast ? raw.contiguous(MemoryFormat.ChannelsLast) : raw.contiguous();
        x.requires_grad_(requiresGrad);
        var c = (int)shape[1];
        var w = torch.tensor(Numbers(c, seed + 1).Select(v => v * 1.5 + 0.2).ToArray()).to(dtype).requires_grad_(requiresGrad);
        var b = torch.tensor(Numbers(c, seed + 2)).to(dtype).requires_grad_(requiresGrad);
        return (x, w, b);
    }

    private static Tensor Weights(Tensor like, int seed)
    {
        using var r = torch.tensor(Numbers((int)like.numel(), seed), like.shape);
        return r.to(like.dtype);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void MatchesBatchNormThenRelu(bool training, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        // 16 x 24 x 24 rows of 8 channels: several reduction blocks and tasks in the channels-last kernels.
        long[] shape = { 16, 8, 24, 24 };
        var (x1, w1, b1) = Inputs(shape, channelsLast, ScalarType.Float32, 5, requiresGrad: true);
        var (x2, w2, b2) = Inputs(shape, channelsLast, ScalarType.Float32, 5, requiresGrad: true);
        var mean1 = torch.tensor(Numbers(8, 9)).to(ScalarType.Float32);
        var var1 = (torch.tensor(Numbers(8, 10)).abs() + 0.5).to(ScalarType.Float32);
        var mean2 = mean1.clone();
        var var2 = var1.clone();

        var fused = torch.ops.batch_norm_relu(x1, mean1, var1, w1, b1, training, 0.1, 1e-5);
        var plain = F.batch_norm(x2, mean2, var2, w2, b2, training, 0.1, 1e-5).relu();

        Assert.Equal(channelsLast, fused.is_contiguous(MemoryFormat.ChannelsLast) && !fused.is_contiguous());
        TensorAssert.Close(plain, fused, 2e-5, 2e-5);
        // The running statistics move the same way (in training) or stay as they were (in evaluation).
        TensorAssert.Close(mean2, mean1, 1e-6, 1e-6);
        TensorAssert.Close(var2, var1, 1e-5, 1e-5);

        var r = Weights(fused, 11);
        var g1 = torch.autograd.grad(new[] { (fused * r).sum() }, new[] { x1, w1, b1 });
        var g2 = torch.autograd.grad(new[] { (plain * r).sum() }, new[] { x2, w2, b2 });
        TensorAssert.Close(g2[0]!, g1[0]!, 2e-5, 1e-4);
        TensorAssert.Close(g2[1]!, g1[1]!, 1e-3, 1e-4);
        TensorAssert.Close(g2[2]!, g1[2]!, 1e-3, 1e-4);
        Assert.Equal(channelsLast, g1[0]!.is_contiguous(MemoryFormat.ChannelsLast) && !g1[0]!.is_contiguous());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void InEvaluationModeTheOutputIsBitForBitBatchNormThenRelu(bool channelsLast)
    {
        // Explanations compare with PyTorch's maps, and a ReLU that flips on one rounding changes a gradient path:
        // the evaluation forward computes exactly what batch_norm's CPU kernel computes (x * alpha + beta with FMA).
        using var scope = torch.NewDisposeScope();
        foreach (var shape in new[] { new long[] { 8, 32, 14, 14 }, new long[] { 16, 128, 7, 7 }, new long[] { 4, 3, 5, 5 } })
        {
            var (x, w, b) = Inputs(shape, channelsLast, ScalarType.Float32, 51, requiresGrad: false);
            var c = shape[1];
            var mean = torch.tensor(Numbers((int)c, 52)).to(ScalarType.Float32);
            var variance = (torch.tensor(Numbers((int)c, 53)).abs() * 4 + 0.01).to(ScalarType.Float32);
            var fused = torch.ops.batch_norm_relu(x, mean, variance, w, b, false, 0.1, 1e-5);
            var plain = F.batch_norm(x, mean, variance, w, b, false, 0.1, 1e-5).relu();
            Assert.True(plain.equal(fused), $"[{string.Join(", ", shape)}]: largest difference {(plain - fused).abs().max().item<float>():R}");
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void GradientsMatchFiniteDifferences(bool training, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = { 3, 2, 3, 2 };
        var (x, w, b) = Inputs(shape, channelsLast, ScalarType.Float64, 21, requiresGrad: true);
        var runningMean = torch.tensor(new[] { 2.0, 1.0 });
        var runningVar = torch.tensor(new[] { 1.5, 0.7 });
        var r = Weights(x, 22);
        // Running statistics are cloned per call, so the finite differences all see the same ones.
        Tensor Loss(Tensor xi, Tensor wi, Tensor bi) =>
            (torch.ops.batch_norm_relu(xi, runningMean.clone(), runningVar.clone(), wi, bi, training, 0.1, 1e-5) * r).sum();

        var grads = torch.autograd.grad(new[] { Loss(x, w, b) }, new[] { x, w, b });
        var inputs = new[] { x, w, b };
        const double step = 1e-6;
        for (var i = 0; i < 3; i++)
        {
            var values = TensorAssert.Values(inputs[i]);
            var expected = new double[values.Length];
            using (torch.no_grad())
            {
                for (var k = 0; k < values.Length; k++)
                {
                    double At(double delta)
                    {
                        using var inner = torch.NewDisposeScope();
                        var shifted = (double[])values.Clone();
                        shifted[k] += delta;
                        var t = torch.tensor(shifted, inputs[i].shape);
                        if (i == 0 && channelsLast) t = t.contiguous(MemoryFormat.ChannelsLast);
                        return Loss(i == 0 ? t : x, i == 1 ? t : w, i == 2 ? t : b).item<double>();
                    }
                    expected[k] = (At(step) - At(-step)) / (2 * step);
                }
            }
            TensorAssert.Close(expected, grads[i]!, 1e-7, 1e-6);
        }
    }

    [Fact]
    public void ABroadcastOrStandardLayoutGradientReachingAChannelsLastOutputIsRead()
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = { 4, 6, 5, 5 };
        var (x1, w1, b1) = Inputs(shape, true, ScalarType.Float32, 31, requiresGrad: true);
        var (x2, w2, b2) = Inputs(shape, true, ScalarType.Float32, 31, requiresGrad: true);
        var fused = torch.ops.batch_norm_relu(x1, null, null, w1, b1, true, 0.1, 1e-5);
        var plain = F.batch_norm(x2, null, null, w2, b2, true, 0.1, 1e-5).relu();
        // Global average pooling hands back a broadcast; a standard-layout weight gives a standard-layout gradient.
        var r = Weights(fused, 32).contiguous();
        var g1 = torch.autograd.grad(new[] { fused.mean(new[] { 2L, 3L }).sum() + (fused * r).sum() }, new[] { x1 });
        var g2 = torch.autograd.grad(new[] { plain.mean(new[] { 2L, 3L }).sum() + (plain * r).sum() }, new[] { x2 });
        TensorAssert.Close(g2[0]!, g1[0]!, 2e-5, 1e-4);
    }

    [Fact]
    public void NaNPassesThroughAsInRelu()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1f, float.NaN, -1f, 2f }, new long[] { 1, 1, 2, 2 });
        var y = torch.ops.batch_norm_relu(x, torch.zeros(new long[] { 1 }), torch.ones(new long[] { 1 }), torch.ones(new long[] { 1 }),
            torch.zeros(new long[] { 1 }), false, 0.1, 0);
        var values = TensorAssert.Values(y);
        Assert.Equal(1, values[0]);
        Assert.True(double.IsNaN(values[1]));
        Assert.Equal(0, values[2]);
        Assert.Equal(2, values[3]);
    }

    [Fact]
    public void OtherInputsTakeTheCompositeRouteWithTheSameResult()
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = { 4, 3, 6, 6 };
        var (x, w, b) = Inputs(shape, false, ScalarType.Float32, 41, requiresGrad: false);
        // A strided slice (neither layout contiguous), no affine parameters, and a 2-D input.
        var slice = x[.., .., TensorIndex.Slice(0, null, 2), ..];
        TensorAssert.Close(F.batch_norm(slice, null, null, w, b, true).relu(), torch.ops.batch_norm_relu(slice, null, null, w, b, true), 1e-5, 1e-5);
        TensorAssert.Close(F.batch_norm(x, null, null, null, null, true).relu(), torch.ops.batch_norm_relu(x, null, null, null, null, true), 1e-5, 1e-5);
        var flat = x.flatten(2).mean(2);
        TensorAssert.Close(F.batch_norm(flat, null, null, w, b, true).relu(), torch.ops.batch_norm_relu(flat, null, null, w, b, true), 1e-5, 1e-5);
    }

    [Fact]
    public void OneValuePerChannelInTrainingIsAClearError()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 1, 3, 1, 1 });
        var error = Assert.Throws<TorchException>(() => torch.ops.batch_norm_relu(x, null, null, torch.ones(new long[] { 3 }), torch.zeros(new long[] { 3 }), true));
        Assert.Contains("more than 1 value per channel", error.Message);
    }

    private static Sequential Block() =>
        new(new Conv2d(2, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new BatchNorm2d(4), new ReLU());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SequentialFusesPairsWithTheSameResultAsTheModulesOneByOne(bool training)
    {
        using var scope = torch.NewDisposeScope();
        var fused = Block();
        var plain = Block();
        plain.load_state_dict(fused.state_dict());
        fused.train(training);
        plain.train(training);
        var x = torch.randn(new long[] { 5, 2, 8, 8 });
        var y1 = fused.call(x);
        // The same layers called one at a time: never fused.
        var y2 = x;
        for (var k = 0; k < plain.Count; k++) y2 = plain[k].call(y2);
        TensorAssert.Close(y2, y1, 1e-5, 1e-5);
        y1.sum().backward();
        y2.sum().backward();
        var p1 = fused.named_parameters().ToList();
        var p2 = plain.named_parameters().ToList();
        for (var k = 0; k < p1.Count; k++) TensorAssert.Close(p2[k].parameter.grad!, p1[k].parameter.grad!, 1e-4, 1e-4);
        foreach (var name in new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked", "4.running_mean", "4.running_var", "4.num_batches_tracked" })
            TensorAssert.Close(plain.state_dict()[name], fused.state_dict()[name], 1e-6, 1e-6);
        Assert.Equal(training ? 1 : 0, fused.state_dict()["4.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void HooksOnEitherModuleOfAPairStillRun()
    {
        using var scope = torch.NewDisposeScope();
        var block = Block();
        var x = torch.randn(new long[] { 2, 2, 8, 8 });
        var seen = new List<string>();
        using (block[1].register_forward_hook((_, _, output) => { seen.Add("bn " + TensorAssert.Values(output).Min().ToString("F3")); return null; }))
        using (block[5].register_forward_hook((_, _, output) => { seen.Add("relu " + TensorAssert.Values(output).Min().ToString("F3")); return null; }))
        {
            block.call(x);
        }
        // The normalisation before the first ReLU has negative values; the second ReLU's output has none.
        Assert.Equal(2, seen.Count);
        Assert.StartsWith("bn -", seen[0]);
        Assert.Equal("relu 0.000", seen[1]);
    }

    [Fact]
    public void CallReluRunsAnUnhookedPairAsTheFusedOperator()
    {
        using var scope = torch.NewDisposeScope();
        var (x, _, _) = Inputs(new long[] { 4, 3, 6, 6 }, channelsLast: true, ScalarType.Float32, 21, requiresGrad: false);
        var bn = new BatchNorm2d(3);
        var twin = new BatchNorm2d(3);
        twin.load_state_dict(bn.state_dict());
        var y = bn.call_relu(new ReLU(), x);
        var fused = torch.ops.batch_norm_relu(x, twin.running_mean, twin.running_var, twin.weight, twin.bias, true, twin.Momentum, twin.Eps);
        // Bit for bit the fused operator, which rounds differently from batch_norm then relu on these inputs.
        Assert.Equal(TensorAssert.Values(fused), TensorAssert.Values(y));
        Assert.NotEqual(TensorAssert.Values(F.batch_norm(x, null, null, twin.weight, twin.bias, true).relu()), TensorAssert.Values(y));
        Assert.Equal(TensorAssert.Values(twin.running_mean!), TensorAssert.Values(bn.running_mean!));
        Assert.Equal(1, bn.num_batches_tracked!.item<long>());
    }

    [Theory]
    [InlineData("bn")]
    [InlineData("relu")]
    public void CallReluWithAHookOnEitherModuleRunsTheTwoModules(string hooked)
    {
        using var scope = torch.NewDisposeScope();
        var (x1, _, _) = Inputs(new long[] { 4, 3, 6, 6 }, channelsLast: false, ScalarType.Float32, 22, requiresGrad: true);
        var (x2, _, _) = Inputs(new long[] { 4, 3, 6, 6 }, channelsLast: false, ScalarType.Float32, 22, requiresGrad: true);
        var (bn, relu) = (new BatchNorm2d(3), new ReLU());
        var (twin, twinRelu) = (new BatchNorm2d(3), new ReLU());
        twin.load_state_dict(bn.state_dict());
        var seen = new List<(Tensor input, Tensor output)>();
        Module target = hooked == "bn" ? bn : relu;
        Tensor y;
        using (target.register_forward_hook((_, input, output) => { seen.Add((input.alias(), output.alias())); return null; }))
        {
            y = bn.call_relu(relu, x1);
        }
        var plain = twinRelu.call(twin.call(x2));
        // The hook saw the normalised tensor, negative values and all: batch norm's output, or the ReLU's input.
        var (hookInput, hookOutput) = Assert.Single(seen);
        var normalised = hooked == "bn" ? hookOutput : hookInput;
        Assert.Contains(TensorAssert.Values(normalised), v => v < 0);
        Assert.Equal(TensorAssert.Values(plain), TensorAssert.Values(y));
        var g1 = torch.autograd.grad(new[] { (y * Weights(y, 23)).sum() }, new[] { x1 });
        var g2 = torch.autograd.grad(new[] { (plain * Weights(plain, 23)).sum() }, new[] { x2 });
        Assert.Equal(TensorAssert.Values(g2[0]!), TensorAssert.Values(g1[0]!));
        Assert.Equal(TensorAssert.Values(twin.running_var!), TensorAssert.Values(bn.running_var!));
    }

    [Fact]
    public void CallReluHonoursAHookThatReplacesTheOutput()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 2, 3, 4, 4 });
        var relu = new ReLU();
        using var hook = relu.register_forward_hook((_, input, _) => input.abs());
        var y = new BatchNorm2d(3).call_relu(relu, x);
        Assert.Equal(TensorAssert.Values(F.batch_norm(x, null, null, null, null, true).abs()), TensorAssert.Values(y));
    }
}
