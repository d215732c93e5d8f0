namespace CnnVis.Torch.Tests;

/// <summary>Reductions of Tensor.Math.cs on a 2x3 matrix whose answers are worked out in the comments.</summary>
public class ReductionTests
{
    //  1   5  -2
    //  4  -3   6
    private static readonly double[] M = { 1, 5, -2, 4, -3, 6 };

    private static Tensor Matrix() => torch.tensor(M, new long[] { 2, 3 });

    [Fact]
    public void SumsAndMeans()
    {
        using var scope = torch.NewDisposeScope();
        var m = Matrix();
        TensorAssert.Equal(new[] { 11.0 }, Array.Empty<long>(), m.sum());
        TensorAssert.Equal(new[] { 11.0 }, Array.Empty<long>(), torch.sum(m));
        TensorAssert.Equal(new[] { 5.0, 2, 4 }, new long[] { 3 }, m.sum(0));
        TensorAssert.Equal(new[] { 4.0, 7 }, new long[] { 2, 1 }, m.sum(1, keepdim: true));
        TensorAssert.Equal(new[] { 11.0 }, new long[] { 1, 1 }, m.sum(new long[] { 0, 1 }, keepdim: true));
        TensorAssert.Close(new[] { 11.0 / 6 }, m.mean(), 1e-15);
        TensorAssert.Close(new[] { 11.0 / 6 }, torch.mean(m), 1e-15);
        TensorAssert.Close(new[] { 4.0 / 3, 7.0 / 3 }, m.mean(-1), 1e-15);
        TensorAssert.Close(new[] { 2.5, 1, 2 }, m.mean(new long[] { 0 }), 1e-15);
        Assert.Equal(new long[] { 1, 3 }, m.mean(0, keepdim: true).shape);
        TensorAssert.Equal(new[] { 720.0 }, Array.Empty<long>(), m.prod());
        TensorAssert.Equal(new[] { 1.0, 6, 4, 4, 1, 7 }, new long[] { 2, 3 }, m.cumsum(1));
        TensorAssert.Equal(new[] { 1.0, 5, -2, 5, 2, 4 }, new long[] { 2, 3 }, m.cumsum(0));
    }

    [Fact]
    public void MaximaAndMinima()
    {
        using var scope = torch.NewDisposeScope();
        var m = Matrix();
        Assert.Equal(6.0, m.max().item<double>());
        Assert.Equal(-3.0, m.min().item<double>());
        var (maxValues, maxIndexes) = m.max(1);
        Assert.Equal(new[] { 5.0, 6 }, maxValues.data<double>());
        Assert.Equal(new long[] { 1, 2 }, maxIndexes.data<long>());
        var (minValues, minIndexes) = m.min(0, keepdim: true);
        TensorAssert.Equal(new[] { 1.0, -3, -2 }, new long[] { 1, 3 }, minValues);
        Assert.Equal(new long[] { 0, 1, 0 }, minIndexes.data<long>());
        Assert.Equal(new[] { 5.0, 6 }, m.amax(new long[] { 1 }).data<double>());
        TensorAssert.Equal(new[] { -3.0 }, Array.Empty<long>(), m.amin(new long[] { 0, 1 }));
        TensorAssert.Equal(new[] { 1.0, -3, -2 }, new long[] { 1, 3 }, m.amin(new long[] { 0 }, keepdim: true));
        Assert.Equal(5L, m.argmax().item<long>());
        Assert.Equal(new long[] { 1, 2 }, m.argmax(1).data<long>());
        Assert.Equal(new long[] { 1, 2 }, torch.argmax(m, 1).data<long>());
        Assert.Equal(new long[] { 2, 1 }, m.argmin(1).data<long>());
        Assert.Equal(new long[] { 2, 1 }, m.argmax(1, keepdim: true).shape);
    }

    [Fact]
    public void TopkSortAndArgsort()
    {
        using var scope = torch.NewDisposeScope();
        var m = Matrix();
        var (top, topIdx) = m.topk(2);
        TensorAssert.Equal(new[] { 5.0, 1, 6, 4 }, new long[] { 2, 2 }, top);
        Assert.Equal(new long[] { 1, 0, 2, 0 }, topIdx.data<long>());
        var (low, lowIdx) = torch.topk(m, 2, dim: 1, largest: false);
        Assert.Equal(new[] { -2.0, 1, -3, 4 }, low.data<double>());
        Assert.Equal(new long[] { 2, 0, 1, 0 }, lowIdx.data<long>());
        var (topCol, topColIdx) = m.topk(1, dim: 0);
        Assert.Equal(new[] { 4.0, 5, 6 }, topCol.data<double>());
        Assert.Equal(new long[] { 1, 0, 1 }, topColIdx.data<long>());

        var (sorted, order) = m.sort();
        Assert.Equal(new[] { -2.0, 1, 5, -3, 4, 6 }, sorted.data<double>());
        Assert.Equal(new long[] { 2, 0, 1, 1, 0, 2 }, order.data<long>());
        var (desc, descOrder) = m.sort(0, descending: true);
        Assert.Equal(new[] { 4.0, 5, 6, 1, -3, -2 }, desc.data<double>());
        Assert.Equal(new long[] { 1, 0, 1, 0, 1, 0 }, descOrder.data<long>());
        Assert.Equal(new long[] { 1, 0, 2, 2, 0, 1 }, m.argsort(descending: true).data<long>());
    }

    [Fact]
    public void SpreadAndNorms()
    {
        using var scope = torch.NewDisposeScope();
        var m = Matrix();
        var mean = M.Average();
        var squares = M.Sum(x => (x - mean) * (x - mean));
        TensorAssert.Close(new[] { squares / 5 }, m.var(), 1e-14);
        TensorAssert.Close(new[] { squares / 6 }, m.var(unbiased: false), 1e-14);
        TensorAssert.Close(new[] { Math.Sqrt(squares / 5) }, m.std(), 1e-14);
        TensorAssert.Close(new[] { Math.Sqrt(squares / 6) }, m.std(false), 1e-14);
        TensorAssert.Close(new[] { Math.Sqrt(91) }, m.norm(), 1e-14);
        TensorAssert.Close(new[] { 21.0 }, m.norm(1), 1e-14);
        TensorAssert.Close(new[] { Math.Pow(1 + 125 + 8 + 64 + 27 + 216, 1.0 / 3) }, m.norm(3), 1e-12);
    }

    [Fact]
    public void AllAndAny()
    {
        using var scope = torch.NewDisposeScope();
        var mixed = torch.tensor(new[] { true, false, true });
        var allTrue = torch.tensor(new[] { true, true });
        var none = torch.tensor(new[] { false, false });
        Assert.False(mixed.all().item<bool>());
        Assert.True(mixed.any().item<bool>());
        Assert.True(allTrue.all().item<bool>());
        Assert.False(none.any().item<bool>());
        Assert.True(Matrix().gt(-4).all().item<bool>());
    }

    [Fact]
    public void ItemConvertsOneElementTensors()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(2.5f, torch.tensor(2.5f).item<float>());
        Assert.Equal(-1e300, torch.tensor(-1e300).item<double>());
        Assert.Equal(long.MinValue, torch.tensor(long.MinValue).item<long>());
        Assert.Equal(42, torch.tensor(42L).item<int>());
        Assert.True(torch.tensor(new[] { true }).item<bool>());
        Assert.Equal((byte)200, torch.tensor(new byte[] { 200 }).item<byte>());
        // A one-element tensor of any shape has an item.
        Assert.Equal(3.0, torch.tensor(new[] { 3.0 }, new long[] { 1, 1, 1 }).item<double>());
    }
}
