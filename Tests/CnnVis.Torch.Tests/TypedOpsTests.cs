using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>The operators the visualizers once called by name, now typed functions, checked against values worked by hand.</summary>
public class TypedOpsTests
{
    [Fact]
    public void IndexAddAccumulatesRepeatedIndicesAndLeavesTheInput()
    {
        using var x = torch.zeros(new long[] { 3, 2 });
        using var index = torch.tensor(new long[] { 0, 2, 0 });
        using var source = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 3, 2 });
        using var r = x.index_add(0, index, source);
        Assert.Equal(new float[] { 6, 8, 0, 0, 3, 4 }, r.data<float>());
        Assert.Equal(new float[6], x.data<float>());
        using var half = x.index_add(0, index, source, alpha: 0.5);
        Assert.Equal(new float[] { 3, 4, 0, 0, 1.5f, 2 }, half.data<float>());
    }

    [Fact]
    public void IndexCopyWritesRowsAtTheirIndices()
    {
        using var x = torch.zeros(new long[] { 3, 2 });
        using var index = torch.tensor(new long[] { 2, 0 });
        using var source = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var r = x.index_copy(0, index, source);
        Assert.Equal(new float[] { 3, 4, 0, 0, 1, 2 }, r.data<float>());
    }

    [Fact]
    public void SvdOfADiagonalMatrixGivesItsEntriesInDescendingOrder()
    {
        using var a = torch.tensor(new float[] { 1, 0, 0, 3 }, new long[] { 2, 2 });
        var (u, s, vh) = torch.linalg.svd(a, full_matrices: false);
        using (u)
        using (s)
        using (vh)
        {
            Assert.Equal(new float[] { 3, 1 }, s.data<float>());
            using var scaled = u * s.unsqueeze(0);
            using var back = scaled.matmul(vh);
            TensorAssert.Close(a, back, 1e-6);
        }
    }

    [Fact]
    public void ReplicatePaddingCopiesTheEdgePixels()
    {
        using var x = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 1, 2, 2 });
        using var r = F.pad(x, new long[] { 1, 0, 0, 1 }, PaddingMode.Replicate);
        Assert.Equal(new long[] { 1, 1, 3, 3 }, r.shape);
        Assert.Equal(new float[] { 1, 1, 2, 3, 3, 4, 3, 3, 4 }, r.data<float>());
        using var c = F.pad(x, new long[] { 1, 0, 0, 0 }, PaddingMode.Constant, 9);
        Assert.Equal(new float[] { 9, 1, 2, 9, 3, 4 }, c.data<float>());
    }
}
