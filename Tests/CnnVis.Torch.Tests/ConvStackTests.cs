using CnnVis.Torch.Modules;
using static CnnVis.Torch.Tests.HandReference;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>
/// cnnvis::conv_stack (Torch/native/src/conv_stack.cpp) against ATen's conv2d, relu and max_pool2d one by one and
/// against the hand reference; Sequential under torch.fused_inference against the same modules run one by one.
/// </summary>
public class ConvStackTests
{
    private static Tensor Random(long[] shape, int seed)
    {
        var count = (int)shape.Aggregate(1L, (a, d) => a * d);
        return torch.tensor(Numbers(count, seed).Select(v => (float)v).ToArray(), shape);
    }

    /// <summary>Each layer alone in ATen: conv2d (+ relu) or max_pool2d.</summary>
    private static Tensor OneByOne(Tensor x, IEnumerable<(Tensor? w, Tensor? b, long stride, long pad, bool relu, long pool)> layers)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (w, b, stride, pad, relu, pool) in layers)
        {
            x = w is null
                ? F.max_pool2d(x, new[] { pool, pool }, new[] { stride, stride }, new[] { pad, pad })
                : F.conv2d(x, w, b, new[] { stride, stride }, new[] { pad, pad });
            if (relu) x = x.relu();
        }
        return scope.MoveToOuter(x);
    }

    private static StackLayer Layer((Tensor? w, Tensor? b, long stride, long pad, bool relu, long pool) l) =>
        l.w is null
            ? StackLayer.MaxPool(new[] { l.pool, l.pool }, new[] { l.stride, l.stride }, new[] { l.pad, l.pad })
            : StackLayer.Conv(l.w, l.b, new[] { l.stride, l.stride }, new[] { l.pad, l.pad }, l.relu);

    public static TheoryData<bool, bool> Settings => new() { { true, true }, { true, false }, { false, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Settings))]
    public void MatchesTheLayersOneByOne(bool winograd, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        // One input channel (the first layer's special case), 3x3 convolutions with 16+ channels (Winograd's case),
        // a 5x5 and a stride-2 convolution, a bias-free one, odd sizes that pooling floors, a 3x3/2 pool with padding.
        var layers = new List<(Tensor? w, Tensor? b, long stride, long pad, bool relu, long pool)>
        {
            (Random(new long[] { 16, 1, 3, 3 }, 1), Random(new long[] { 16 }, 2), 1, 1, true, 0),
            (Random(new long[] { 32, 16, 3, 3 }, 3) * 0.3, Random(new long[] { 32 }, 4), 1, 1, true, 0),
            (null, null, 2, 0, false, 2),
            (Random(new long[] { 32, 32, 5, 5 }, 5) * 0.1, null, 1, 2, false, 0),
            (null, null, 2, 1, false, 3),
            (Random(new long[] { 24, 32, 3, 3 }, 6) * 0.2, Random(new long[] { 24 }, 7), 2, 1, true, 0),
        };
        var x = Random(new long[] { 3, 1, 19, 17 }, 8);
        if (channelsLast) x = x.to_channels_last();

        var stacked = torch.ops.conv_stack(x, layers.Select(Layer).ToList(), winograd);
        var expected = OneByOne(x, layers);

        Assert.Equal(expected.shape, stacked.shape);
        Assert.True(stacked.is_contiguous(MemoryFormat.ChannelsLast), "the result is channels-last");
        Assert.False(stacked.requires_grad);
        var scale = TensorAssert.Values(expected).Max(Math.Abs);
        Assert.True(scale > 0.1, $"the check needs non-trivial values, largest is {scale}");
        TensorAssert.Close(expected, stacked, atol: 2e-5 * scale, rtol: 1e-4);
    }

    [Fact]
    public void MatchesTheHandReference()
    {
        using var scope = torch.NewDisposeScope();
        long[] xs = { 2, 2, 6, 5 }, ws = { 3, 2, 3, 3 };
        var xv = Numbers(120, 11);
        var wv = Numbers(54, 12);
        var bv = Numbers(3, 13);
        // A rectangular stride and padding.
        var (conv, convShape) = Conv2d(xv, xs, wv, ws, bv, new long[] { 1, 2 }, new long[] { 1, 0 }, new long[] { 1, 1 }, 1);
        var relu = conv.Select(v => Math.Max(v, 0)).ToArray();
        var (pooled, pooledShape) = MaxPool2d(relu, convShape, 2, 2, 0, 1, false);

        var x = torch.tensor(xv.Select(v => (float)v).ToArray(), xs);
        var w = torch.tensor(wv.Select(v => (float)v).ToArray(), ws);
        var b = torch.tensor(bv.Select(v => (float)v).ToArray(), new long[] { 3 });
        var stacked = torch.ops.conv_stack(x, new[]
        {
            StackLayer.Conv(w, b, new long[] { 1, 2 }, new long[] { 1, 0 }, relu: true),
            StackLayer.MaxPool(new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 0, 0 }),
        });
        TensorAssert.Shape(pooledShape, stacked);
        TensorAssert.Close(pooled, stacked.contiguous(), 1e-5, 1e-5);
    }

    [Fact]
    public void ReadsAViewWithUnusualStrides()
    {
        using var scope = torch.NewDisposeScope();
        var w = Random(new long[] { 8, 4, 3, 3 }, 21);
        // A transposed view: neither contiguous nor channels-last.
        var x = Random(new long[] { 2, 4, 9, 7 }, 22).transpose(2, 3);
        var layer = new[] { StackLayer.Conv(w, null, new long[] { 1, 1 }, new long[] { 1, 1 }, relu: false) };
        TensorAssert.Close(F.conv2d(x, w, null, null, new long[] { 1, 1 }), torch.ops.conv_stack(x, layer), 1e-5, 1e-5);
    }

    [Fact]
    public void BadArgumentsGetClearErrors()
    {
        using var scope = torch.NewDisposeScope();
        var w = Random(new long[] { 8, 3, 3, 3 }, 31);
        var conv = StackLayer.Conv(w, null, new long[] { 1, 1 }, new long[] { 1, 1 }, relu: true);

        var channels = Assert.Throws<TorchException>(() => torch.ops.conv_stack(Random(new long[] { 1, 2, 8, 8 }, 32), new[] { conv }));
        Assert.Contains("does not fit 2 input channels", channels.Message);
        var dtype = Assert.Throws<TorchException>(() => torch.ops.conv_stack(Random(new long[] { 1, 3, 8, 8 }, 33).to(ScalarType.Float64), new[] { conv }));
        Assert.Contains("float32 CPU input", dtype.Message);
        var dims = Assert.Throws<TorchException>(() => torch.ops.conv_stack(Random(new long[] { 3, 8, 8 }, 34), new[] { conv }));
        Assert.Contains("4-D input", dims.Message);
        var tooSmall = Assert.Throws<TorchException>(() => torch.ops.conv_stack(Random(new long[] { 1, 3, 2, 2 }, 35),
            new[] { StackLayer.Conv(Random(new long[] { 4, 3, 5, 5 }, 36), null, new long[] { 1, 1 }, new long[] { 0, 0 }, false) }));
        Assert.Contains("does not fit its 2x2 input", tooSmall.Message);
        var bias = Assert.Throws<TorchException>(() => torch.ops.conv_stack(Random(new long[] { 1, 3, 8, 8 }, 37),
            new[] { StackLayer.Conv(w, Random(new long[] { 5 }, 38), new long[] { 1, 1 }, new long[] { 1, 1 }, false) }));
        Assert.Contains("bias of 8 values", bias.Message);
        Assert.Throws<ArgumentException>(() => torch.ops.conv_stack(Random(new long[] { 1, 3, 8, 8 }, 39), Array.Empty<StackLayer>()));
        var graph = Assert.Throws<InvalidOperationException>(() => torch.ops.conv_stack(Random(new long[] { 1, 3, 8, 8 }, 41).requires_grad_(true), new[] { conv }));
        Assert.Contains("torch.no_grad()", graph.Message);
        Assert.Throws<ArgumentException>(() => StackLayer.Conv(Random(new long[] { 8, 3, 3 }, 40), null, new long[] { 1, 1 }, new long[] { 1, 1 }, false));
    }

    /// <summary>A FashionNet-like stack in eval mode with batch norms whose statistics are far from the defaults.</summary>
    private static Sequential EvalStack()
    {
        torch.manual_seed(61);
        var net = new Sequential(
            new Conv2d(1, 16, 3, padding: 1, bias: false), new BatchNorm2d(16), new ReLU(),
            new Conv2d(16, 32, 3, padding: 1), new BatchNorm2d(32), new ReLU(),
            new MaxPool2d(2),
            new Conv2d(32, 32, 3, padding: 1), new ReLU(),
            new Conv2d(32, 16, 3, stride: 2, padding: 1), new BatchNorm2d(16),
            new Flatten());
        using (torch.no_grad())
        {
            foreach (var bn in net.children().OfType<BatchNorm2d>())
            {
                bn.running_mean!.uniform_(-0.5, 0.5);
                bn.running_var!.uniform_(0.5, 2.0);
                bn.weight!.uniform_(0.5, 1.5);
                bn.bias!.uniform_(-0.3, 0.3);
            }
        }
        net.eval();
        return net;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SequentialUnderFusedInferenceMatchesItsModules(bool winograd)
    {
        using var scope = torch.NewDisposeScope();
        using var net = EvalStack();
        var x = torch.randn(new long[] { 5, 1, 14, 14 });
        Tensor plain, fused;
        using (torch.no_grad())
        {
            plain = net.call(x);
            using var scope2 = torch.fused_inference(winograd);
            fused = net.call(x);
            // One run (conv-BN-ReLU, conv-BN-ReLU, pool, conv-ReLU, conv-BN), then Flatten as a module.
            Assert.Equal(1, scope2.ScopeStackCalls);
        }
        Assert.Equal(plain.shape, fused.shape);
        TensorAssert.Close(plain, fused, 2e-5, 1e-4);
        // An empty batch runs as the modules would.
        using (torch.no_grad())
        using (torch.fused_inference(winograd))
        {
            Assert.Equal(new long[] { 0, 256 }, net.call(torch.zeros(new long[] { 0, 1, 14, 14 })).shape);
        }
    }

    [Fact]
    public void FusedInferenceSeesWeightsThatChangedSinceTheLastCall()
    {
        // The native side keeps weights in Winograd's layout between calls; a weight changed in place (as training
        // does) must be transformed again, not served from that cache.
        using var scope = torch.NewDisposeScope();
        using var net = EvalStack();
        var x = torch.randn(new long[] { 4, 1, 14, 14 });
        var conv = (Conv2d)net[3];
        using var fusedScope = torch.fused_inference();
        using var noGrad = torch.no_grad();
        var before = net.call(x);
        conv.weight.mul_(-0.5);
        var after = net.call(x);
        fusedScope.Dispose();
        var expected = net.call(x);  // the modules one by one
        Assert.True((after - before).abs().max().item<float>() > 1e-2, "the change of weight shows in the output");
        TensorAssert.Close(expected, after, 2e-5, 1e-4);
    }

    [Fact]
    public void FusedInferenceLeavesGradientsTrainingAndHooksAsTheyWere()
    {
        using var scope = torch.NewDisposeScope();
        using var net = EvalStack();
        var x = torch.randn(new long[] { 3, 1, 14, 14 });
        using var fused = torch.fused_inference();

        // With gradients on, the modules run one by one and the result has a history.
        var calls = fused.ScopeStackCalls;
        var input = x.clone().requires_grad_(true);
        var y = net.call(input);
        y.sum().backward();
        Assert.NotNull(input.grad);
        Assert.Equal(calls, fused.ScopeStackCalls);

        // A hooked module runs as a module: the hook sees its output.
        var seen = 0;
        using (net[5].register_forward_hook((_, _, _) => { seen++; return null; }))
        using (torch.no_grad())
        {
            net.call(x).Dispose();
        }
        Assert.Equal(1, seen);
        // Two runs around the hooked ReLU: conv-BN-ReLU-conv-BN before it, conv-ReLU-conv-BN after the pool.
        Assert.Equal(calls + 2, fused.ScopeStackCalls);

        // In training mode nothing is stacked (batch norm uses and updates batch statistics), so both paths agree
        // exactly, running statistics included.
        net.train();
        var bn = (BatchNorm2d)net[1];
        var meanBefore = bn.running_mean!.clone();
        Tensor trained;
        calls = fused.ScopeStackCalls;
        using (torch.no_grad()) trained = net.call(x);
        Assert.Equal(calls, fused.ScopeStackCalls);
        var meanFused = bn.running_mean!.clone();
        bn.running_mean!.copy_(meanBefore);
        Tensor reference;
        using (torch.no_grad())
        {
            fused.Dispose();
            reference = net.call(x);
        }
        TensorAssert.Close(reference, trained, 0, 0);
        TensorAssert.Close(bn.running_mean!, meanFused, 0, 0);
        Assert.True((meanFused - meanBefore).abs().max().item<float>() > 0, "training updated the running mean");
    }

    [Fact]
    public void FusedInferenceScopesNestAndEnd()
    {
        Assert.Null(FusedInference.Current);
        using (var outer = torch.fused_inference(winograd: true))
        {
            Assert.Same(outer, FusedInference.Current);
            using (var inner = torch.fused_inference(winograd: false))
            {
                Assert.False(FusedInference.Current!.Winograd);
            }
            Assert.Same(outer, FusedInference.Current);
        }
        Assert.Null(FusedInference.Current);

        // Disposed out of order: the setting falls back to the innermost scope still open, here none.
        var first = torch.fused_inference();
        var second = torch.fused_inference();
        var third = torch.fused_inference();
        second.Dispose();
        Assert.Same(third, FusedInference.Current);
        first.Dispose();
        third.Dispose();
        Assert.Null(FusedInference.Current);
    }

    [Fact]
    public void LayersOutsideTheStackStillRunAsModules()
    {
        // Grouped and dilated convolutions: the modules' own route, same results.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(71);
        using var net = new Sequential(new Conv2d(4, 8, 3, padding: 2, dilation: 2), new ReLU(), new Conv2d(8, 8, 3, groups: 2), new ReLU());
        net.eval();
        var x = torch.randn(new long[] { 2, 4, 9, 9 });
        using var noGrad = torch.no_grad();
        var plain = net.call(x);
        using var fused = torch.fused_inference();
        TensorAssert.Close(plain, net.call(x), 0, 0);
        Assert.Equal(0, fused.ScopeStackCalls);
    }
}
