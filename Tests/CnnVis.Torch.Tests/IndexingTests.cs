namespace CnnVis.Torch.Tests;

/// <summary>Tensor.Indexing.cs and the selection operators, on x[i, j, k] = 12 i + 4 j + k.</summary>
public class IndexingTests
{
    private static Tensor Cube() => torch.arange(24).reshape(2, 3, 4);

    private static long At(long i, long j, long k) => 12 * i + 4 * j + k;

    [Fact]
    public void IntegerIndexesSelect()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        Assert.Equal(At(1, 2, 3), x[1, 2, 3].item<long>());
        Assert.Equal(Array.Empty<long>(), x[1, 2, 3].shape);
        Assert.Equal(At(1, 1, 2), x[-1, -2, -2].item<long>());
        TensorAssert.Equal(new double[] { At(1, 2, 0), At(1, 2, 1), At(1, 2, 2), At(1, 2, 3) }, new long[] { 4 }, x[1, 2]);
        Assert.Equal(new long[] { 3, 4 }, x[0].shape);
        Assert.Equal(new long[] { 3, 4 }, x[0L].shape);
    }

    [Fact]
    public void RangesSlice()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        // x[.., 1] is column j = 1 of each matrix.
        TensorAssert.Equal(new double[] { At(0, 1, 0), At(0, 1, 1), At(0, 1, 2), At(0, 1, 3), At(1, 1, 0), At(1, 1, 1), At(1, 1, 2), At(1, 1, 3) },
            new long[] { 2, 4 }, x[.., 1]);
        // x[0, 1..3, ^2..]: rows 1-2, the last two columns.
        TensorAssert.Equal(new double[] { At(0, 1, 2), At(0, 1, 3), At(0, 2, 2), At(0, 2, 3) }, new long[] { 2, 2 }, x[0, 1..3, ^2..]);
        // x[1, ..^1, 0]: all rows but the last.
        TensorAssert.Equal(new double[] { At(1, 0, 0), At(1, 1, 0) }, new long[] { 2 }, x[1, ..^1, 0]);
        // Step 2 along the last axis.
        TensorAssert.Equal(new double[] { At(0, 0, 0), At(0, 0, 2) }, new long[] { 2 }, x[0, 0, TensorIndex.Slice(0, null, 2)]);
        TensorAssert.Equal(new double[] { At(0, 0, 1), At(0, 0, 3) }, new long[] { 2 }, x[0, 0, TensorIndex.Slice(1, 4, 2)]);
        Assert.Equal(new long[] { 2, 3, 4 }, x[TensorIndex.Colon, TensorIndex.Colon].shape);
    }

    [Fact]
    public void EllipsisAndNewAxes()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        // x[..., 2] is the last axis at 2.
        var last = x[TensorIndex.Ellipsis, 2];
        Assert.Equal(new long[] { 2, 3 }, last.shape);
        Assert.Equal(new[] { At(0, 0, 2), At(0, 1, 2), At(0, 2, 2), At(1, 0, 2), At(1, 1, 2), At(1, 2, 2) }, last.data<long>());
        // x[1, ...] keeps the rest.
        Assert.Equal(new long[] { 3, 4 }, x[1, TensorIndex.Ellipsis].shape);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, x[TensorIndex.None].shape);
        Assert.Equal(new long[] { 2, 1, 3, 4 }, x[.., TensorIndex.None].shape);
        var withAxis = x[TensorIndex.None, TensorIndex.Ellipsis, 0];
        Assert.Equal(new long[] { 1, 2, 3 }, withAxis.shape);
        Assert.Equal(new[] { At(0, 0, 0), At(0, 1, 0), At(0, 2, 0), At(1, 0, 0), At(1, 1, 0), At(1, 2, 0) }, withAxis.data<long>());
    }

    [Fact]
    public void TensorIndexesGatherRows()
    {
        using var scope = torch.NewDisposeScope();
        var x = Cube();
        var rows = torch.tensor(new long[] { 2, 0, 2 });
        var picked = x[1, rows];
        Assert.Equal(new long[] { 3, 4 }, picked.shape);
        var pv = picked.data<long>();
        long[] expectedRows = { 2, 0, 2 };
        for (var r = 0; r < 3; r++)
            for (var k = 0; k < 4; k++) Assert.Equal(At(1, expectedRows[r], k), pv[r * 4 + k]);

        // A bool mask keeps the true elements, flattened.
        var m = torch.tensor(new[] { 1.0, -2, 3, -4 });
        var positive = m[m.gt(0)];
        TensorAssert.Equal(new[] { 1.0, 3 }, new long[] { 2 }, positive);

        // An index tensor on the last axis after a slice.
        var cols = torch.tensor(new long[] { 3, 1 });
        var sub = x[0, .., cols];
        Assert.Equal(new long[] { 3, 2 }, sub.shape);
        Assert.Equal(new[] { At(0, 0, 3), At(0, 0, 1), At(0, 1, 3), At(0, 1, 1), At(0, 2, 3), At(0, 2, 1) }, sub.data<long>());
    }

    [Fact]
    public void IndexingDoesNotLeakIntermediates()
    {
        using var outer = torch.NewDisposeScope();
        var x = Cube();
        var before = DisposeScope.Current!.Count;
        var y = x[1, 1..3, ^2..];
        // Exactly one new tensor (the result) joins the caller's scope; the steps in between were freed.
        Assert.Equal(before + 1, DisposeScope.Current!.Count);
        Assert.False(y.IsDisposed);
    }

    [Fact]
    public void SelectionOperators()
    {
        using var scope = torch.NewDisposeScope();
        var m = torch.tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        TensorAssert.Equal(new[] { 4.0, 5, 6 }, new long[] { 3 }, m.select(0, 1));
        TensorAssert.Equal(new[] { 3.0, 6 }, new long[] { 2 }, m.select(1, -1));
        TensorAssert.Equal(new[] { 2.0, 3, 5, 6 }, new long[] { 2, 2 }, m.narrow(1, 1, 2));
        TensorAssert.Equal(new[] { 1.0, 3, 4, 6 }, new long[] { 2, 2 }, m.slice(1, 0, null, 2));
        TensorAssert.Equal(new[] { 2.0, 5 }, new long[] { 2, 1 }, m.slice(1, 1, 2));
        TensorAssert.Equal(new[] { 4.0, 5, 6 }, new long[] { 1, 3 }, m.slice(0, -1, null));
        var idx = torch.tensor(new long[] { 2, 0, 2 });
        TensorAssert.Equal(new[] { 3.0, 1, 3, 6, 4, 6 }, new long[] { 2, 3 }, m.index_select(1, idx));
        // gather(1, [[2, 0], [1, 1]]) picks m[0, 2], m[0, 0], m[1, 1], m[1, 1].
        var g = torch.tensor(new long[] { 2, 0, 1, 1 }, new long[] { 2, 2 });
        TensorAssert.Equal(new[] { 3.0, 1, 5, 5 }, new long[] { 2, 2 }, m.gather(1, g));
        // index with a tensor per dimension: m[[0, 1], [2, 0]] = [3, 4].
        var rows = torch.tensor(new long[] { 0, 1 });
        var cols = torch.tensor(new long[] { 2, 0 });
        TensorAssert.Equal(new[] { 3.0, 4 }, new long[] { 2 }, m.index(rows, cols));
        // index with a null (all of that axis) then a tensor.
        TensorAssert.Equal(new[] { 3.0, 1, 6, 4 }, new long[] { 2, 2 }, m.index(null, cols));
    }

    [Fact]
    public void IndexPutWritesAndAccumulates()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.zeros(new long[] { 5 }, ScalarType.Float64);
        var idx = torch.tensor(new long[] { 1, 3, 1 });
        var vals = torch.tensor(new[] { 1.0, 2, 4 });
        Assert.Same(t, t.index_put_(new Tensor?[] { idx }, vals, accumulate: true));
        Assert.Equal(new[] { 0.0, 5, 0, 2, 0 }, t.data<double>());
        var m = torch.zeros(new long[] { 2, 2 }, ScalarType.Float64);
        m.index_put_(new Tensor?[] { torch.tensor(new long[] { 0, 1 }), torch.tensor(new long[] { 1, 0 }) }, torch.tensor(new[] { 7.0, 8 }));
        Assert.Equal(new[] { 0.0, 7, 8, 0 }, m.data<double>());
    }
}
