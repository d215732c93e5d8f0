namespace CnnVis.Torch.Tests;

/// <summary>Shape, layout and dtype operations of Tensor.Math.cs, checked element by element against index arithmetic.</summary>
public class ShapeTests
{
    // x[i, j, k] = 12 i + 4 j + k
    private static Tensor Cube() => torch.arange(24).reshape(2, 3, 4);

    private static long At(long i, long j, long k) => 12 * i + 4 * j + k;

    [Fact]
    public void ReshapeViewAndFlatten()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        Assert.Equal(new long[] { 2, 3, 4 }, x.shape);
        Assert.Equal(3L, x.dim());
        Assert.Equal(3, x.Dimensions);
        Assert.Equal(24L, x.numel());
        Assert.Equal(4L, x.size(-1));
        Assert.Equal(3L, x.size(1));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), x.view(4, 6).data<long>());
        Assert.Equal(new long[] { 4, 6 }, x.view(4, -1).shape);
        Assert.Equal(new long[] { 2, 12 }, x.flatten(1).shape);
        Assert.Equal(new long[] { 6, 4 }, x.flatten(0, 1).shape);
        Assert.Equal(new long[] { 24 }, x.flatten().shape);

        // A view shares storage with its base.
        var v = x.view(24);
        v.narrow(0, 0, 1).fill_(100);
        Assert.Equal(100L, x[0, 0, 0].item<long>());
        // A clone does not.
        var c = x.clone();
        c.zero_();
        Assert.Equal(100L, x[0, 0, 0].item<long>());
        Assert.Equal(23L, x[1, 2, 3].item<long>());
    }

    [Fact]
    public void PermuteTransposeAndT()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        var p = x.permute(2, 0, 1);
        Assert.Equal(new long[] { 4, 2, 3 }, p.shape);
        var pv = p.data<long>();
        var tr = x.transpose(0, 2);
        Assert.Equal(new long[] { 4, 3, 2 }, tr.shape);
        var tv = tr.contiguous().data<long>();
        for (var k = 0; k < 4; k++)
            for (var i = 0; i < 2; i++)
                for (var j = 0; j < 3; j++)
                {
                    Assert.Equal(At(i, j, k), pv[k * 6 + i * 3 + j]);
                    Assert.Equal(At(i, j, k), tv[k * 6 + j * 2 + i]);
                }
        var m = torch.tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        TensorAssert.Equal(new[] { 1.0, 4, 2, 5, 3, 6 }, new long[] { 3, 2 }, m.t());
        TensorAssert.Equal(new[] { 1.0, 4, 2, 5, 3, 6 }, new long[] { 3, 2 }, m.T);
        TensorAssert.Equal(new[] { 1.0, 4, 2, 5, 3, 6 }, new long[] { 3, 2 }, m.transpose(0, 1).contiguous());
        // Reading a non-contiguous view copies its elements out in row-major order of the view.
        Assert.Equal(new[] { 1.0, 4, 2, 5, 3, 6 }, m.t().data<double>());
    }

    [Fact]
    public void SqueezeAndUnsqueeze()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.zeros(new long[] { 1, 3, 1, 2 });
        Assert.Equal(new long[] { 3, 2 }, x.squeeze().shape);
        Assert.Equal(new long[] { 3, 1, 2 }, x.squeeze(0).shape);
        Assert.Equal(new long[] { 1, 3, 2 }, x.squeeze(2).shape);
        Assert.Equal(new long[] { 1, 3, 1, 2 }, x.squeeze(1).shape);
        Assert.Equal(new long[] { 1, 3, 1, 2, 1 }, x.unsqueeze(-1).shape);
        Assert.Equal(new long[] { 1, 1, 3, 1, 2 }, x.unsqueeze(1).shape);
    }

    [Fact]
    public void ExpandRepeatFlipAndRoll()
    {
        using var scope = torch.NewDisposeScope();
        var col = torch.tensor(new[] { 1.0, 2.0 }, new long[] { 2, 1 });
        TensorAssert.Equal(new[] { 1.0, 1, 1, 2, 2, 2 }, new long[] { 2, 3 }, col.expand(2, 3));
        var target = torch.zeros(new long[] { 2, 2 });
        TensorAssert.Equal(new[] { 1.0, 1, 2, 2 }, new long[] { 2, 2 }, col.expand_as(target));
        var row = torch.tensor(new[] { 1.0, 2.0 });
        TensorAssert.Equal(new[] { 1.0, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2 }, new long[] { 2, 6 }, row.repeat(2, 3));

        var m = torch.tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        TensorAssert.Equal(new[] { 4.0, 5, 6, 1, 2, 3 }, new long[] { 2, 3 }, m.flip(0));
        TensorAssert.Equal(new[] { 3.0, 2, 1, 6, 5, 4 }, new long[] { 2, 3 }, m.flip(1));
        TensorAssert.Equal(new[] { 6.0, 5, 4, 3, 2, 1 }, new long[] { 2, 3 }, m.flip(0, 1));
        TensorAssert.Equal(new[] { 3.0, 1, 2, 6, 4, 5 }, new long[] { 2, 3 }, m.roll(new long[] { 1 }, new long[] { 1 }));
        TensorAssert.Equal(new[] { 5.0, 6, 4, 2, 3, 1 }, new long[] { 2, 3 }, m.roll(new long[] { 1, -1 }, new long[] { 0, 1 }));
    }

    [Fact]
    public void ContiguousKeepsValuesInEveryMemoryFormat()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(0, 24, 1, ScalarType.Float32).reshape(1, 4, 2, 3);
        var expected = x.data<float>();
        Assert.Equal(expected, x.contiguous(MemoryFormat.ChannelsLast).data<float>());
        Assert.Equal(expected, x.contiguous(MemoryFormat.ChannelsLast).contiguous().data<float>());
        Assert.Equal(expected, x.contiguous(MemoryFormat.Contiguous).data<float>());
    }

    [Fact]
    public void DtypeConversions()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.7, -1.7, 0, 300.25 });
        var asLong = x.@long();
        Assert.Equal(ScalarType.Int64, asLong.dtype);
        Assert.Equal(new long[] { 1, -1, 0, 300 }, asLong.data<long>());
        Assert.Equal(new long[] { 1, -1, 0, 300 }, x.to(ScalarType.Int64).data<long>());
        Assert.Equal(new[] { 1.7f, -1.7f, 0f, 300.25f }, x.@float().data<float>());
        Assert.Equal(new[] { 1.7f, -1.7f, 0f, 300.25f }, x.to_type(ScalarType.Float32).data<float>());
        Assert.Equal(new[] { true, true, false, true }, x.@bool().data<bool>());
        Assert.Equal(new byte[] { 0, 255, 7 }, torch.tensor(new[] { 0.0, 255, 7.9 }).@byte().data<byte>());
        Assert.Equal(new[] { 1.0, 0.0 }, torch.tensor(new[] { true, false }).@double().data<double>());
        Assert.Equal(new int[] { 3, -4 }, torch.tensor(new[] { 3.5f, -4.5f }).to(ScalarType.Int32).data<int>());
        Assert.Equal(new short[] { 3, -4 }, torch.tensor(new[] { 3.0f, -4.0f }).to(ScalarType.Int16).data<short>());
        Assert.Equal(new sbyte[] { 3, -4 }, torch.tensor(new[] { 3.0f, -4.0f }).to(ScalarType.Int8).data<sbyte>());
        Assert.Equal(new[] { (Half)0.5, (Half)(-2) }, torch.tensor(new[] { 0.5f, -2f }).to(ScalarType.Float16).data<Half>());
        Assert.Equal(new[] { 1.7, -1.7, 0, 300.25 }, x.ToArray<double>());
    }

    [Fact]
    public void CatStackAndChunk()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2, 3, 4 }, new long[] { 2, 2 });
        var b = torch.tensor(new[] { 5.0, 6 }, new long[] { 1, 2 });
        TensorAssert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, new long[] { 3, 2 }, torch.cat(new[] { a, b }));
        var c = torch.tensor(new[] { 7.0, 8 }, new long[] { 2, 1 });
        TensorAssert.Equal(new[] { 1.0, 2, 7, 3, 4, 8 }, new long[] { 2, 3 }, torch.cat(new[] { a, c }, 1));
        TensorAssert.Equal(new[] { 1.0, 2, 3, 4, 1, 2, 3, 4 }, new long[] { 2, 2, 2 }, torch.stack(new[] { a, a }));
        TensorAssert.Equal(new[] { 1.0, 1, 2, 2, 3, 3, 4, 4 }, new long[] { 2, 2, 2 }, torch.stack(new[] { a, a }, -1));

        var parts = torch.arange(7).chunk(3);
        Assert.Equal(3, parts.Length);
        Assert.Equal(new long[] { 0, 1, 2 }, parts[0].data<long>());
        Assert.Equal(new long[] { 3, 4, 5 }, parts[1].data<long>());
        Assert.Equal(new long[] { 6 }, parts[2].data<long>());
        var columns = a.chunk(2, 1);
        TensorAssert.Equal(new[] { 2.0, 4 }, new long[] { 2, 1 }, columns[1]);
    }
}
