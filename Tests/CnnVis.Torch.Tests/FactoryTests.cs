namespace CnnVis.Torch.Tests;

/// <summary>The tensor factories of torch.cs.</summary>
public class FactoryTests
{
    [Fact]
    public void TensorCopiesDataOfEveryElementType()
    {
        using var scope = torch.NewDisposeScope();
        var f = torch.tensor(new[] { 1.5f, -2f, 3f, 4f, 5f, 6f }, new long[] { 2, 3 });
        Assert.Equal(ScalarType.Float32, f.dtype);
        Assert.Equal(new long[] { 2, 3 }, f.shape);
        Assert.Equal(new[] { 1.5f, -2f, 3f, 4f, 5f, 6f }, f.data<float>());
        Assert.Equal(ScalarType.Float64, torch.tensor(new[] { 1.0, 2.0 }).dtype);
        Assert.Equal(new long[] { long.MaxValue, -1 }, torch.tensor(new[] { long.MaxValue, -1L }).data<long>());
        Assert.Equal(new[] { int.MinValue, 3 }, torch.tensor(new[] { int.MinValue, 3 }).data<int>());
        Assert.Equal(new short[] { -5, 6 }, torch.tensor(new short[] { -5, 6 }).data<short>());
        Assert.Equal(new byte[] { 0, 255 }, torch.tensor(new byte[] { 0, 255 }).data<byte>());
        Assert.Equal(new sbyte[] { -128, 127 }, torch.tensor(new sbyte[] { -128, 127 }).data<sbyte>());
        Assert.Equal(new[] { true, false }, torch.tensor(new[] { true, false }).data<bool>());
        Assert.Equal(new[] { (Half)1.5, (Half)(-0.25) }, torch.tensor(new[] { (Half)1.5, (Half)(-0.25) }).data<Half>());

        // The tensor owns a copy: changing the array afterwards does not change it.
        var source = new[] { 1.0, 2.0 };
        var t = torch.tensor(source);
        source[0] = 99;
        Assert.Equal(new[] { 1.0, 2.0 }, t.data<double>());
    }

    [Fact]
    public void ScalarsAndShapes()
    {
        using var scope = torch.NewDisposeScope();
        var s = torch.tensor(2.5);
        Assert.Equal(Array.Empty<long>(), s.shape);
        Assert.Equal(1L, s.numel());
        Assert.Equal(ScalarType.Float32, torch.tensor(2.5f).dtype);
        Assert.Equal(ScalarType.Int64, torch.tensor(3L).dtype);
        Assert.Equal(new long[] { 1 }, torch.tensor(new[] { 4.0 }, new long[] { 1 }).shape);
        var span = torch.tensor<float>(new ReadOnlySpan<float>(new[] { 1f, 2f, 3f, 4f }), new long[] { 2, 2 });
        Assert.Equal(new long[] { 2, 2 }, span.shape);
        Assert.Equal(new long[] { 3 }, torch.tensor<int>(new ReadOnlySpan<int>(new[] { 1, 2, 3 })).shape);
        var empty = torch.tensor(Array.Empty<float>(), new long[] { 0, 3 });
        Assert.Equal(new long[] { 0, 3 }, empty.shape);
        Assert.Empty(empty.data<float>());
        var withGrad = torch.tensor(new[] { 1.0, 2.0 }, requires_grad: true);
        Assert.True(withGrad.requires_grad);
        Assert.True(withGrad.is_leaf);
        Assert.True(torch.tensor(1.5, requires_grad: true).requires_grad);
    }

    [Fact]
    public void FilledFactories()
    {
        using var scope = torch.NewDisposeScope();
        var z = torch.zeros(new long[] { 2, 3 });
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.Equal(new long[] { 2, 3 }, z.shape);
        Assert.All(z.data<float>(), v => Assert.Equal(0f, v));
        var o = torch.ones(new long[] { 4 }, ScalarType.Int64);
        Assert.Equal(new long[] { 1, 1, 1, 1 }, o.data<long>());
        Assert.True(torch.ones(new long[] { 1 }, requires_grad: true).requires_grad);
        Assert.True(torch.zeros(new long[] { 1 }, requires_grad: true).requires_grad);
        var e = torch.empty(new long[] { 3, 2 }, ScalarType.Float64);
        Assert.Equal(new long[] { 3, 2 }, e.shape);
        Assert.Equal(ScalarType.Float64, e.dtype);
        Assert.Equal(new[] { 2.5, 2.5, 2.5 }, torch.full(new long[] { 3 }, 2.5, ScalarType.Float64).data<double>());
        Assert.Equal(new long[] { 7, 7 }, torch.full(new long[] { 2 }, 7, ScalarType.Int64).data<long>());
        Assert.Equal(new[] { 1.0, 0, 0, 0, 1, 0, 0, 0, 1 }, torch.eye(3, ScalarType.Float64).data<double>());

        var like = torch.tensor(new[] { 5.0, 6.0, 7.0 }, new long[] { 3, 1 });
        TensorAssert.Equal(new[] { 0.0, 0, 0 }, new long[] { 3, 1 }, torch.zeros_like(like));
        TensorAssert.Equal(new[] { 1.0, 1, 1 }, new long[] { 3, 1 }, torch.ones_like(like));
        TensorAssert.Equal(new[] { -3.0, -3, -3 }, new long[] { 3, 1 }, torch.full_like(like, -3));
        Assert.Equal(ScalarType.Float64, torch.zeros_like(like).dtype);
    }

    [Fact]
    public void Ranges()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.arange(5);
        Assert.Equal(ScalarType.Int64, a.dtype);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a.data<long>());
        Assert.Equal(new[] { 1f, 1.5f, 2f, 2.5f }, torch.arange(1, 3, 0.5).data<float>());
        Assert.Equal(new[] { 3.0, 1.0 }, torch.arange(3, 0, -2, ScalarType.Float64).data<double>());
        Assert.Equal(new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }, torch.linspace(0, 1, 5, ScalarType.Float64).data<double>());
        Assert.Equal(new[] { -1f, 1f }, torch.linspace(-1, 1, 2).data<float>());
    }

    [Fact]
    public void RandomFactoriesFollowTheirDistributionsAndTheSeed()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(42);
        var r = torch.rand(new long[] { 20000 }, ScalarType.Float64).data<double>();
        Assert.All(r, v => Assert.InRange(v, 0, 1 - double.Epsilon));
        Assert.InRange(r.Average(), 0.49, 0.51);
        var n = torch.randn(new long[] { 20000 }, ScalarType.Float64).data<double>();
        var mean = n.Average();
        Assert.InRange(mean, -0.04, 0.04);
        Assert.InRange(Math.Sqrt(n.Select(x => (x - mean) * (x - mean)).Average()), 0.97, 1.03);

        var ints = torch.randint(5, new long[] { 1000 });
        Assert.Equal(ScalarType.Int64, ints.dtype);
        var iv = ints.data<long>();
        Assert.All(iv, v => Assert.InRange(v, 0, 4));
        Assert.Equal(5, iv.Distinct().Count());
        Assert.Equal(ScalarType.Int32, torch.randint(3, new long[] { 2 }, ScalarType.Int32).dtype);

        var perm = torch.randperm(10).data<long>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), perm.Order());

        var like = torch.zeros(new long[] { 2, 500 }, ScalarType.Float64);
        var rl = torch.rand_like(like);
        Assert.Equal(new long[] { 2, 500 }, rl.shape);
        Assert.All(rl.data<double>(), v => Assert.InRange(v, 0, 1));
        Assert.Equal(ScalarType.Float64, torch.randn_like(like).dtype);
        Assert.True(torch.rand(new long[] { 2 }, requires_grad: true).requires_grad);
        Assert.True(torch.randn(new long[] { 2 }, requires_grad: true).requires_grad);

    }
}
