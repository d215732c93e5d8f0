using CnnVis.Torch.Modules;

namespace CnnVis.Torch.Tests;

/// <summary>torch.save / torch.load and Module.state_dict / load_state_dict, including files written by PyTorch.</summary>
public class SerializationTests
{
    private static Sequential SmallCnn() => torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding: 1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3));

    private static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    [Fact]
    public void RoundTripIsBitExactForEveryDtype()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        var floats = new[] { 1.5f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, 1f / 3 };
        var doubles = new[] { Math.PI, -0.0, double.NaN, double.Epsilon, double.MinValue, 1e-310, 0.1 };
        var longs = new[] { long.MinValue, long.MaxValue, 0, -1, 1L << 53 | 1 };
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var bools = new[] { true, false, false, true, true };
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = torch.tensor(floats, new long[] { 2, 4 }),
            ["f64"] = torch.tensor(doubles),
            ["i64"] = torch.tensor(longs),
            ["u8"] = torch.tensor(bytes, new long[] { 16, 16 }),
            ["b"] = torch.tensor(bools),
            ["scalar"] = torch.tensor(2.5),
            ["layer.sub.weight"] = torch.ones(new long[] { 1, 1, 1, 1 }),
        };
        var path = folder.File("all.pt");
        torch.save(tensors, path);
        Assert.Single(Directory.GetFiles(folder.Root));

        var loaded = torch.load(path);
        try
        {
            Assert.Equal(tensors.Keys, loaded.Keys);
            Assert.Equal(floats.Select(BitConverter.SingleToInt32Bits), loaded["f32"].data<float>().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(new long[] { 2, 4 }, loaded["f32"].shape);
            Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits), loaded["f64"].data<double>().Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(longs, loaded["i64"].data<long>());
            Assert.Equal(bytes, loaded["u8"].data<byte>());
            Assert.Equal(new long[] { 16, 16 }, loaded["u8"].shape);
            Assert.Equal(bools, loaded["b"].data<bool>());
            Assert.Equal(Array.Empty<long>(), loaded["scalar"].shape);
            Assert.Equal(2.5, loaded["scalar"].item<double>());
            Assert.Equal(ScalarType.Float32, loaded["layer.sub.weight"].dtype);
        }
        finally
        {
            DisposeAll(loaded.Values);
        }

        // The same bytes load from memory.
        var fromBytes = torch.load(File.ReadAllBytes(path));
        Assert.Equal(longs, fromBytes["i64"].data<long>());
        DisposeAll(fromBytes.Values);
    }

    [Fact]
    public void SavingANonContiguousViewSavesItsValues()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        var m = torch.arange(0, 12, 1, ScalarType.Float64).reshape(3, 4);
        var view = m.t().slice(0, 1, 3);   // rows 1-2 of the transpose: columns 1-2 of m
        torch.save(new Dictionary<string, Tensor> { ["v"] = view }, folder.File("v.pt"));
        var loaded = torch.load(folder.File("v.pt"));
        TensorAssert.Equal(new[] { 1.0, 5, 9, 2, 6, 10 }, new long[] { 2, 3 }, loaded["v"]);
        DisposeAll(loaded.Values);
    }

    [Fact]
    public void SaveOverwritesAtomically()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("w.pt");
        torch.save(new Dictionary<string, Tensor> { ["a"] = torch.ones(new long[] { 2 }) }, path);
        torch.save(new Dictionary<string, Tensor> { ["b"] = torch.zeros(new long[] { 3 }) }, path);
        var loaded = torch.load(path);
        Assert.Equal(new[] { "b" }, loaded.Keys);
        DisposeAll(loaded.Values);
        // No temporary file is left beside the target.
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Root));
    }

    [Fact]
    public void DuplicateKeysAreRefusedAndNoFileIsWritten()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        var t = torch.ones(new long[] { 1 });
        var pairs = new[] { KeyValuePair.Create("a", t), KeyValuePair.Create("a", t) };
        var e = Assert.Throws<TorchException>(() => torch.save(pairs, folder.File("dup.pt")));
        Assert.Contains("duplicate state dict key 'a'", e.Message);
        Assert.Empty(Directory.GetFiles(folder.Root));
    }

    [Fact]
    public void ModuleStateDictRoundTripGivesIdenticalOutputs()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        torch.manual_seed(11);
        using var source = SmallCnn();
        // Train-mode forwards give the batch norm non-trivial running statistics.
        for (var i = 0; i < 3; i++) source.call(torch.randn(new long[] { 4, 3, 5, 5 }));
        source.eval();
        var keys = new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias" };
        Assert.Equal(keys, source.state_dict().Keys);
        torch.save(source.state_dict(), folder.File("model.pt"));

        torch.manual_seed(12);
        using var target = SmallCnn();
        target.eval();
        var x = torch.randn(new long[] { 2, 3, 5, 5 });
        Assert.False(source.call(x).equal(target.call(x)));

        var loaded = torch.load(folder.File("model.pt"));
        try
        {
            var (missing, unexpected) = target.load_state_dict(loaded);
            Assert.Empty(missing);
            Assert.Empty(unexpected);
        }
        finally
        {
            DisposeAll(loaded.Values);
        }
        foreach (var key in keys)
        {
            Assert.True(source.state_dict()[key].equal(target.state_dict()[key]), key);
        }
        Assert.Equal(3L, target.state_dict()["1.num_batches_tracked"].item<long>());
        var expected = source.call(x);
        var actual = target.call(x);
        Assert.Equal(expected.data<float>().Select(BitConverter.SingleToInt32Bits), actual.data<float>().Select(BitConverter.SingleToInt32Bits));
        // Loading copies values: the loaded module's parameters are still leaves that learn.
        Assert.All(target.parameters(), p => Assert.True(p.requires_grad && p.is_leaf));
    }

    [Fact]
    public void LoadsAStateDictSavedByPyTorchAndMatchesPyTorchsOutputs()
    {
        using var scope = torch.NewDisposeScope();
        var state = torch.load(Fixture.Path("pytorch_state_dict.pt"));
        var expected = torch.load(Fixture.Path("pytorch_expected.pt"));
        try
        {
            Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias" },
                state.Keys);
            Assert.Equal(new long[] { 4, 3, 3, 3 }, state["0.weight"].shape);
            Assert.Equal(ScalarType.Int64, state["1.num_batches_tracked"].dtype);
            Assert.Equal(3L, state["1.num_batches_tracked"].item<long>());

            using var model = SmallCnn();
            model.load_state_dict(state);
            model.eval();
            var x = expected["input"];
            TensorAssert.Close(expected["output_eval"], model.call(x), 1e-5, 1e-5);

            // Training mode: batch statistics, and running statistics updated as PyTorch updates them.
            model.train();
            TensorAssert.Close(expected["output_train"], model.call(x), 1e-5, 1e-5);
            var bn = (BatchNorm2d)model[1];
            TensorAssert.Close(expected["running_mean_after_train"], bn.running_mean!, 1e-6, 1e-5);
            TensorAssert.Close(expected["running_var_after_train"], bn.running_var!, 1e-6, 1e-5);
            Assert.Equal(expected["num_batches_tracked_after_train"].item<long>(), bn.num_batches_tracked!.item<long>());
        }
        finally
        {
            DisposeAll(state.Values);
            DisposeAll(expected.Values);
        }
    }

    [Fact]
    public void LoadsEveryDtypeSavedByPyTorch()
    {
        var t = torch.load(Fixture.Path("pytorch_dtypes.pt"));
        try
        {
            Assert.Equal(new[] { "f32", "f64", "i64", "u8", "b", "strided" }, t.Keys);
            Assert.Equal(ScalarType.Float32, t["f32"].dtype);
            Assert.Equal(new long[] { 2, 2 }, t["f32"].shape);
            Assert.Equal(new[] { 1.5f, -2.25f, 3f, 1e-3f }, t["f32"].data<float>());
            Assert.Equal(new[] { 0.1, -1e300, Math.Pow(2, -60) }, t["f64"].data<double>());
            Assert.Equal(new[] { -(1L << 62), 0, (1L << 40) + 7 }, t["i64"].data<long>());
            Assert.Equal(new byte[] { 0, 1, 254, 255 }, t["u8"].data<byte>());
            Assert.Equal(new[] { true, false, true }, t["b"].data<bool>());
            // arange(10)[2:9:3], saved by PyTorch as a view with an offset and a stride.
            Assert.Equal(new[] { 2f, 5f, 8f }, t["strided"].data<float>());
        }
        finally
        {
            DisposeAll(t.Values);
        }
    }

    [Fact]
    public void LoadsAParameterSavedWithPickleProtocol4()
    {
        var t = torch.load(Fixture.Path("pytorch_parameter_protocol4.pt"));
        try
        {
            Assert.Equal(new[] { "p" }, t.Keys);
            Assert.Equal(new[] { 1f, -2f }, t["p"].data<float>());
        }
        finally
        {
            DisposeAll(t.Values);
        }
    }

    [Fact]
    public void LoadStateDictConvertsDtypesAndNonStrictReportsKeys()
    {
        using var scope = torch.NewDisposeScope();
        using var model = torch.nn.Linear(2, 1);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = torch.tensor(new[] { 1.0, 2.0 }, new long[] { 1, 2 }),
            ["extra"] = torch.zeros(new long[] { 1 }),
        };
        var (missing, unexpected) = model.load_state_dict(state, strict: false);
        Assert.Equal(new[] { "bias" }, missing);
        Assert.Equal(new[] { "extra" }, unexpected);
        Assert.Equal(ScalarType.Float32, model.weight.dtype);
        Assert.Equal(new[] { 1f, 2f }, model.weight.data<float>());
    }
}
