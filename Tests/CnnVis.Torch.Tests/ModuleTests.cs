using static CnnVis.Torch.Tests.HandReference;
using CnnVis.Torch.Modules;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>Modules: registration, state dict keys, load_state_dict errors, layers against functional, forward hooks.</summary>
public class ModuleTests
{
    private static Sequential Mlp() => torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1));

    /// <summary>A module with a nested child, a non-persistent buffer and an unregistered (null) parameter.</summary>
    private sealed class Block : Module
    {
        public Block()
        {
            using (var ones = torch.ones(new long[] { 2 })) register_parameter("scale", new Parameter(ones));
            register_parameter("unused", null);
            register_buffer("counter", torch.zeros(new long[] { 1 }));
            register_buffer("cache", torch.zeros(new long[] { 3 }), persistent: false);
            Inner = register_module("inner", torch.nn.Linear(2, 2));
        }

        public Linear Inner { get; }

        public override Tensor forward(Tensor input)
        {
            using var scaled = input * named_parameters(false).First().parameter;
            return Inner.call(scaled);
        }

        public void AddDuplicate() => register_buffer("inner", torch.zeros(new long[] { 1 }));

        public void AddDotted() => register_module("a.b", torch.nn.ReLU());
    }

    [Fact]
    public void StateDictKeysAreDottedPathsInRegistrationOrder()
    {
        using var block = new Block();
        Assert.Equal(new[] { "scale", "counter", "inner.weight", "inner.bias" }, block.state_dict().Keys);
        Assert.Equal(new[] { "scale", "inner.weight", "inner.bias" }, block.named_parameters().Select(p => p.name));
        Assert.Equal(new[] { "scale" }, block.named_parameters(recurse: false).Select(p => p.name));
        Assert.Equal(new[] { "counter", "cache" }, block.named_buffers().Select(b => b.name));
        Assert.Equal(new[] { "counter" }, block.named_buffers(persistentOnly: true).Select(b => b.name));
        Assert.Equal(2, block.buffers().Count());
        Assert.Equal(3, block.parameters().Count());
        Assert.Equal(new[] { "", "inner" }, block.named_modules().Select(m => m.name));
        Assert.Same(block.Inner, block.get_submodule("inner"));
        Assert.Same(block, block.get_submodule(""));
        Assert.Equal("Block", block.GetName());
        var dup = Assert.Throws<ArgumentException>(block.AddDuplicate);
        Assert.Contains("already has a member named 'inner'", dup.Message);
        var dotted = Assert.Throws<ArgumentException>(block.AddDotted);
        Assert.Contains("'a.b' is not a valid member name", dotted.Message);
    }

    [Fact]
    public void SequentialNamesChildrenAndFindsThem()
    {
        using var model = torch.nn.Sequential(("features", torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())),
            ("pool", torch.nn.AdaptiveAvgPool2d(1)), ("flat", torch.nn.Flatten()), ("head", torch.nn.Linear(2, 4)));
        Assert.Equal(4, model.Count);
        Assert.Equal(new[] { "", "features", "features.0", "features.1", "pool", "flat", "head" }, model.named_modules().Select(m => m.name));
        Assert.Equal(new[] { "features.0.weight", "features.0.bias", "head.weight", "head.bias" }, model.state_dict().Keys);
        Assert.IsType<Conv2d>(model.get_submodule("features.0"));
        Assert.Same(model[3], model.get_submodule("head"));
        var e = Assert.Throws<ArgumentException>(() => model.get_submodule("features.7"));
        Assert.Contains("no layer 'features.7'", e.Message);
        Assert.Contains("features.0", e.Message);
        Assert.Equal(new[] { "features", "pool", "flat", "head" }, model.named_children().Select(c => c.name));

        using var x = torch.randn(new long[] { 3, 1, 5, 5 });
        using var y = model.call(x);
        Assert.Equal(new long[] { 3, 4 }, y.shape);
        using var empty = torch.nn.Sequential(Array.Empty<Module>());
        using var same = empty.call(x);
        Assert.True(same.equal(x));
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        using var model = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Dropout(), torch.nn.BatchNorm2d(2)), torch.nn.ReLU());
        Assert.All(model.modules(), m => Assert.True(m.training));
        Assert.Same(model, model.eval());
        Assert.All(model.modules(), m => Assert.False(m.training));
        model.train();
        Assert.All(model.modules(), m => Assert.True(m.training));
    }

    [Fact]
    public void LayersMatchFunctionalCallsWithTheirOwnParameters()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var x = torch.randn(new long[] { 2, 3, 6, 6 });
        using var conv = torch.nn.Conv2d(3, 4, 3, stride: 2, padding: 1);
        Assert.True(conv.call(x).equal(F.conv2d(x, conv.weight, conv.bias, new long[] { 2, 2 }, new long[] { 1, 1 })));
        Assert.Equal(new long[] { 4, 3, 3, 3 }, conv.weight.shape);
        var bound = 1 / Math.Sqrt(27);
        Assert.All(TensorAssert.Values(conv.weight), v => Assert.InRange(v, -bound, bound));
        Assert.All(TensorAssert.Values(conv.bias!), v => Assert.InRange(v, -bound, bound));
        using var noBias = torch.nn.Conv2d(3, 4, 1, bias: false);
        Assert.Null(noBias.bias);
        Assert.Equal(new[] { "weight" }, noBias.state_dict().Keys);

        var v2 = torch.randn(new long[] { 5, 8 });
        using var linear = torch.nn.Linear(8, 2);
        Assert.True(linear.call(v2).equal(F.linear(v2, linear.weight, linear.bias)));
        Assert.All(TensorAssert.Values(linear.weight), v => Assert.InRange(v, -1 / Math.Sqrt(8), 1 / Math.Sqrt(8)));

        using var pool = torch.nn.MaxPool2d(2);
        Assert.True(pool.call(x).equal(F.max_pool2d(x, new long[] { 2, 2 })));
        using var pool3 = torch.nn.MaxPool2d(3, stride: 1, padding: 1);
        Assert.Equal(new long[] { 2, 3, 6, 6 }, pool3.call(x).shape);
        using var gap = torch.nn.AdaptiveAvgPool2d(1);
        TensorAssert.Close(x.mean(new long[] { 2, 3 }, keepdim: true), gap.call(x), 1e-6);
        using var flatten = torch.nn.Flatten();
        Assert.Equal(new long[] { 2, 108 }, flatten.call(x).shape);
        using var identity = torch.nn.Identity();
        var same = identity.call(x);
        Assert.NotSame(x, same);
        Assert.True(same.equal(x));
        using var relu = torch.nn.ReLU();
        Assert.True(relu.call(x).equal(x.relu()));
        using var dropout = torch.nn.Dropout(0.3);
        dropout.eval();
        Assert.True(dropout.call(x).equal(x));
        Assert.Equal(0.3, dropout.P);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GlobalAveragePoolingMatchesAdaptiveAvgPool2dWithItsGradientInEitherLayout(bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        using var gap = torch.nn.AdaptiveAvgPool2d(1);
        var raw = torch.tensor(Numbers(2 * 3 * 4 * 5, 12), new long[] { 2, 3, 4, 5 });
        var x = (channelsLast ? raw.contiguous(MemoryFormat.ChannelsLast) : raw).requires_grad_();
        var y = gap.call(x);
        TensorAssert.Close(F.adaptive_avg_pool2d(raw, new long[] { 1, 1 }), y, 1e-12);
        var weights = torch.tensor(Numbers(6, 13), new long[] { 2, 3, 1, 1 });
        var g = torch.autograd.grad(new[] { (y * weights).sum() }, new[] { x })[0]!;
        // Each input element gets its channel's weight divided by H x W.
        var w = TensorAssert.Values(weights);
        TensorAssert.Close(Enumerable.Range(0, 120).Select(k => w[k / 20] / 20).ToArray(), g, 1e-12);
    }

    [Fact]
    public void ToChannelsLastMakesAConvolutionRunChannelsLastEvenForOneInputChannel()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 2, 1, 6, 6 });
        using var conv = torch.nn.Conv2d(1, 4, 3, padding: 1);
        // contiguous(ChannelsLast) hands back x itself (one channel: the same memory), and the convolution stays standard.
        var standard = conv.call(x.contiguous(MemoryFormat.ChannelsLast));
        Assert.True(standard.is_contiguous());
        var copy = x.to_channels_last();
        Assert.True(copy.equal(x));
        var channelsLast = conv.call(copy);
        Assert.True(channelsLast.is_contiguous(MemoryFormat.ChannelsLast) && !channelsLast.is_contiguous());
        TensorAssert.Close(standard, channelsLast, 1e-5, 1e-5);
        Assert.Throws<ArgumentException>(() => torch.randn(new long[] { 3, 4 }).to_channels_last());
    }

    [Fact]
    public void BatchNormModuleTracksStatisticsInTrainingAndUsesThemInEval()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = torch.nn.BatchNorm2d(2, momentum: 0.5);
        var x = torch.tensor(Enumerable.Range(0, 16).Select(i => (double)i).ToArray(), new long[] { 2, 2, 2, 2 }).@float();
        bn.call(x);
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        // Channel 0 holds 0..3 and 8..11 (mean 5.5), channel 1 holds 4..7 and 12..15 (mean 9.5).
        TensorAssert.Close(new[] { 0.5 * 5.5, 0.5 * 9.5 }, bn.running_mean!, 1e-6);
        var channelVar = new[] { 0.0, 1, 2, 3, 8, 9, 10, 11 }.Select(v => (v - 5.5) * (v - 5.5)).Sum() / 7;
        TensorAssert.Close(new[] { 0.5 + 0.5 * channelVar, 0.5 + 0.5 * channelVar }, bn.running_var!, 1e-5);
        bn.eval();
        var y = bn.call(x);
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        var expected = TensorAssert.Values(x).Select((v, k) =>
        {
            var c = k / 4 % 2;
            return (v - (c == 0 ? 2.75 : 4.75)) / Math.Sqrt(0.5 + 0.5 * channelVar + 1e-5);
        }).ToArray();
        TensorAssert.Close(expected, y, 1e-5);
        var e = Assert.Throws<ArgumentException>(() => bn.call(torch.zeros(new long[] { 2, 2 })));
        Assert.Contains("4-D input", e.Message);
    }

    [Fact]
    public void InitialisersFillInPlaceWithoutRecordingGradients()
    {
        using var scope = torch.NewDisposeScope();
        using var conv = torch.nn.Conv2d(16, 32, 3);
        torch.nn.init.kaiming_normal_(conv.weight);
        var w = TensorAssert.Values(conv.weight);
        var sd = Math.Sqrt(w.Select(v => v * v).Average());
        // fan_out = 32 · 3 · 3 = 288.
        Assert.InRange(sd, Math.Sqrt(2.0 / 288) * 0.93, Math.Sqrt(2.0 / 288) * 1.07);
        Assert.True(conv.weight.is_leaf);
        torch.nn.init.kaiming_normal_(conv.weight, fan_out: false);
        Assert.InRange(Math.Sqrt(TensorAssert.Values(conv.weight).Select(v => v * v).Average()), Math.Sqrt(2.0 / 144) * 0.93, Math.Sqrt(2.0 / 144) * 1.07);
        torch.nn.init.constant_(conv.bias!, 0.25);
        Assert.All(TensorAssert.Values(conv.bias!), v => Assert.Equal(0.25, v));
        torch.nn.init.zeros_(conv.bias!);
        Assert.All(TensorAssert.Values(conv.bias!), v => Assert.Equal(0, v));
        torch.nn.init.ones_(conv.bias!);
        Assert.All(TensorAssert.Values(conv.bias!), v => Assert.Equal(1, v));
        torch.nn.init.uniform_(conv.bias!, 2, 3);
        Assert.All(TensorAssert.Values(conv.bias!), v => Assert.InRange(v, 2, 3));
        torch.nn.init.normal_(conv.weight, 5, 0.01);
        Assert.InRange(TensorAssert.Values(conv.weight).Average(), 4.99, 5.01);
        Assert.Null(conv.weight.grad);
        Assert.Throws<ArgumentException>(() => torch.nn.init.kaiming_normal_(torch.zeros(new long[] { 3 })));
    }

    [Fact]
    public void ZeroGradForgetsGradients()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Mlp();
        model.call(torch.ones(new long[] { 4, 2 })).sum().backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        model.zero_grad();
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void LoadStateDictListsEveryBadKeyAndChangesNothing()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Mlp();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var source = new Dictionary<string, Tensor>
        {
            ["0.weight"] = torch.zeros(new long[] { 3, 3 }),   // model has [3, 2]
            ["0.bias"] = torch.zeros(new long[] { 3 }),        // fits
            ["2.weight"] = torch.zeros(new long[] { 1, 3 }),   // fits
            ["3.weight"] = torch.zeros(new long[] { 1 }),      // unexpected
        };                                                     // 2.bias missing
        var e = Assert.Throws<StateDictMismatchException>(() => model.load_state_dict(source));
        Assert.Equal(new[] { "2.bias" }, e.Missing);
        Assert.Equal(new[] { "3.weight" }, e.Unexpected);
        Assert.Equal(new[] { "0.weight (model [3, 2], file [3, 3])" }, e.Misshaped);
        Assert.Contains("missing keys: 2.bias", e.Message);
        Assert.Contains("unexpected keys: 3.weight", e.Message);
        Assert.Contains("mis-shaped keys: 0.weight (model [3, 2], file [3, 3])", e.Message);
        Assert.Contains("Sequential", e.Message);
        // Nothing was copied, not even the keys that fit.
        foreach (var (key, value) in model.state_dict()) Assert.True(value.equal(before[key]), key);

        // Without strict, missing and unexpected keys are allowed but a wrong shape is still an error.
        var nonStrict = Assert.Throws<StateDictMismatchException>(() => model.load_state_dict(source, strict: false));
        Assert.Single(nonStrict.Misshaped);
        foreach (var (key, value) in model.state_dict()) Assert.True(value.equal(before[key]), key);

        source["0.weight"] = torch.full(new long[] { 3, 2 }, 0.5);
        var (missing, unexpected) = model.load_state_dict(source, strict: false);
        Assert.Equal(new[] { "2.bias" }, missing);
        Assert.Equal(new[] { "3.weight" }, unexpected);
        Assert.All(TensorAssert.Values(model.state_dict()["0.weight"]), v => Assert.Equal(0.5, v));
        Assert.True(model.state_dict()["2.bias"].equal(before["2.bias"]));

        var missingOnly = Assert.Throws<StateDictMismatchException>(() => model.load_state_dict(new Dictionary<string, Tensor>()));
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, missingOnly.Missing);
        Assert.Empty(missingOnly.Unexpected);
        Assert.Empty(missingOnly.Misshaped);
    }

    [Fact]
    public void ForwardHooksSeeOutputsAndAreRemovedWhenTheirHandleIsDisposed()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Mlp();
        var x = torch.ones(new long[] { 4, 2 });
        var relu = model[1];
        var seen = new List<long[]>();
        var handle = relu.register_forward_hook((m, input, output) =>
        {
            Assert.Same(relu, m);
            seen.Add(output.shape);
            return null;
        });
        Assert.Equal(1, relu.ForwardHookCount);
        Assert.Equal(0, model.ForwardHookCount);
        model.call(x);
        Assert.Single(seen);
        Assert.Equal(new long[] { 4, 3 }, seen[0]);
        handle.Dispose();
        Assert.Equal(0, relu.ForwardHookCount);
        handle.Dispose();
        Assert.Equal(0, relu.ForwardHookCount);
        model.call(x);
        Assert.Single(seen);
    }

    [Fact]
    public void AForwardHookCanReplaceTheOutput()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Mlp();
        var x = torch.ones(new long[] { 4, 2 });
        var plain = model.call(x);
        using (model[1].register_forward_hook((_, _, output) => torch.zeros_like(output)))
        {
            var y = model.call(x);
            // With the hidden layer zeroed, the output is the last layer's bias.
            var bias = ((Linear)model[2]).bias!.item<float>();
            Assert.All(y.data<float>(), v => Assert.Equal(bias, v));
        }
        Assert.Equal(0, model[1].ForwardHookCount);
        Assert.True(model.call(x).equal(plain));
    }

    [Fact]
    public void HooksRegisteredForOnePassAreGoneEvenWhenThePassThrows()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Mlp();
        var wrong = torch.ones(new long[] { 4, 5 });
        var handles = model.modules().Select(m => m.register_forward_hook((_, _, _) => null)).ToList();
        try
        {
            Assert.Throws<TorchException>(() => model.call(wrong));
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }
        Assert.All(model.modules(), m => Assert.Equal(0, m.ForwardHookCount));
    }

    [Fact]
    public void AHookPassingTheInputThroughNeverFreesTheCallersTensor()
    {
        using var scope = torch.NewDisposeScope();
        using var model = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.ReLU());
        var x = torch.ones(new long[] { 2 });
        // A hook that passes the layer's input through (skipping the layer) hands the caller's tensor to the next layer.
        using (model[0].register_forward_hook((_, input, _) => input))
        {
            var y = model.call(x);
            Assert.False(x.IsDisposed);
            Assert.Equal(new[] { 1f, 1f }, y.data<float>());
        }
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void AHookPassingTheInputThroughGivesANewHandle()
    {
        using var relu = torch.nn.ReLU();
        using var x = torch.tensor(new[] { -1f, 2f });
        using (relu.register_forward_hook((_, input, _) => input))
        {
            var y = relu.call(x);
            Assert.NotSame(x, y);
            Assert.Equal(new[] { -1f, 2f }, y.data<float>());
            y.Dispose();
            Assert.False(x.IsDisposed);
        }
    }
}
