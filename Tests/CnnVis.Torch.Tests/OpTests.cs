namespace CnnVis.Torch.Tests;

/// <summary>Op and OpArg: finding dispatcher operators by name and calling them with every kind of argument and result.</summary>
public class OpTests
{
    [Fact]
    public void FindParsesNamesAndCaches()
    {
        var add = Op.Find("aten::add", "Tensor");
        Assert.Same(add, Op.Find("aten::add", "Tensor"));
        Assert.Equal("aten::add", add.Name);
        Assert.Equal("Tensor", add.Overload);
        Assert.Equal("aten::add.Tensor", add.QualifiedName);
        Assert.Equal("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", add.Schema);
        Assert.Equal("aten::add.Tensor", Op.Parse("add.Tensor").QualifiedName);
        var relu = Op.Parse("relu");
        Assert.Equal("aten::relu", relu.QualifiedName);
        Assert.Equal("", relu.Overload);
        Assert.Throws<ArgumentNullException>(() => Op.Find(null!));
        Assert.Throws<ArgumentNullException>(() => Op.Parse(null!));
    }

    [Fact]
    public void ResultsOfEveryKind()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        Assert.Equal(3L, Assert.Single(torch.ops.invoke("aten::size.int", x, 1)));
        Assert.Equal(true, Assert.Single(torch.ops.invoke("aten::is_floating_point", x)));
        // A Scalar result comes back as a double.
        Assert.Equal(21.0, Assert.Single(torch.ops.invoke("aten::_local_scalar_dense", x.sum())));

        var tuple = torch.ops.invoke("aten::max.dim", x, 1L, false);
        Assert.Equal(2, tuple.Length);
        Assert.Equal(new[] { 3.0, 6 }, ((Tensor)tuple[0]!).data<double>());
        Assert.Equal(new long[] { 2, 2 }, ((Tensor)tuple[1]!).data<long>());

        var list = Assert.IsType<Tensor[]>(Assert.Single(torch.ops.invoke("aten::split.Tensor", x, 2L, 1L)));
        Assert.Equal(2, list.Length);
        Assert.Equal(new long[] { 2, 2 }, list[0].shape);
        Assert.Equal(new long[] { 2, 1 }, list[1].shape);
        Assert.Equal(new[] { 3.0, 6 }, list[1].data<double>());

        var many = Op.Find("aten::unbind", "int").CallMany(x, 0L);
        Assert.Equal(2, many.Length);
        Assert.Equal(new[] { 4.0, 5, 6 }, many[1].data<double>());

        var e = Assert.Throws<TorchException>(() => Op.Find("aten::size", "int").Call(x, 0L));
        Assert.Contains("did not return exactly one tensor", e.Message);
        var notTensors = Assert.Throws<TorchException>(() => Op.Find("aten::size", "int").CallMany(x, 0L));
        Assert.Contains("non-tensor", notTensors.Message);
    }

    [Fact]
    public void ArgumentsOfEveryKind()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 7.0, -7.0 });
        var b = torch.tensor(new[] { 2.0, 2.0 });
        // A string argument: floor division.
        var floored = (Tensor)torch.ops.invoke("aten::div.Tensor_mode", a, b, "floor")[0]!;
        Assert.Equal(new[] { 3.0, -4.0 }, floored.data<double>());
        var truncated = (Tensor)torch.ops.invoke("aten::div.Tensor_mode", a, b, "trunc")[0]!;
        Assert.Equal(new[] { 3.0, -3.0 }, truncated.data<double>());
        // int[] becomes an int list; an int and a float become Scalars.
        var m = torch.arange(6).reshape(2, 3);
        Assert.Equal(new long[] { 3, 2 }, ((Tensor)torch.ops.invoke("aten::permute", m, new[] { 1, 0 })[0]!).shape);
        Assert.Equal(new long[] { 2, 3, 4, 5, 6, 7 }, ((Tensor)torch.ops.invoke("aten::add.Scalar", m, 2)[0]!).data<long>());
        Assert.Equal(new[] { 1.5f, 3f }, ((Tensor)torch.ops.invoke("aten::mul.Scalar", torch.tensor(new[] { 1f, 2f }), 1.5f)[0]!).data<float>());
        // A ScalarType and a Device.
        var asInt = (Tensor)torch.ops.invoke("aten::to.dtype", a, ScalarType.Int32, false, false, null)[0]!;
        Assert.Equal(new[] { 7, -7 }, asInt.data<int>());
        var onCpu = (Tensor)torch.ops.invoke("aten::to.device", a, Device.CPU, ScalarType.Float32, false, false, null)[0]!;
        Assert.Equal(new[] { 7f, -7f }, onCpu.data<float>());
        // A float list: upsampling by scale factors.
        var img = torch.ones(new long[] { 1, 1, 2, 2 });
        var up = (Tensor)torch.ops.invoke("aten::upsample_nearest2d.vec", img, null, new[] { 2.0, 3.0 })[0]!;
        Assert.Equal(new long[] { 1, 1, 4, 6 }, up.shape);
        // A bool list: which outputs of a backward op to compute.
        var grads = Op.Find("aten::native_layer_norm_backward").Invoke(
            torch.ones(new long[] { 2, 2 }), torch.tensor(new[] { 1.0f, 3f, 2f, 4f }, new long[] { 2, 2 }), new long[] { 2 },
            torch.tensor(new[] { 2f, 3f }, new long[] { 2, 1 }), torch.ones(new long[] { 2, 1 }), (Tensor?)null, (Tensor?)null,
            new[] { true, false, false });
        Assert.IsType<Tensor>(grads[0]);
        Assert.Null(grads[1]);
        Assert.Null(grads[2]);
        // An explicit OpArg passes through, None included.
        var clamped = (Tensor)torch.ops.invoke("aten::clamp", a, OpArg.None, (OpArg)0.5)[0]!;
        Assert.Equal(new[] { 0.5, -7.0 }, clamped.data<double>());
        // A tensor list.
        var cat = (Tensor)torch.ops.invoke("aten::cat", new[] { a, b }, 0L)[0]!;
        Assert.Equal(new[] { 7.0, -7, 2, 2 }, cat.data<double>());
        var nullEntry = Assert.Throws<ArgumentException>(() => Op.Find("aten::cat").Call(new Tensor[] { a, null! }, 0L));
        Assert.Contains("null entry", nullEntry.Message);
    }
}
