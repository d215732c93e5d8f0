namespace CnnVis.Torch.Tests;

public class TensorShapeOfDataTests
{
    [Fact]
    public void AnArrayIsOneDimensionalEvenWithOneElementAsInPyTorch()
    {
        using var one = torch.tensor(new float[] { 2.5f });
        Assert.Equal(new long[] { 1 }, one.shape);
        using var fromSpan = torch.tensor<float>(new float[] { 2.5f }.AsSpan());
        Assert.Equal(new long[] { 1 }, fromSpan.shape);
        using var scalar = torch.tensor(2.5f);
        Assert.Empty(scalar.shape);
        using var explicitScalar = torch.tensor(new[] { 7L }, Array.Empty<long>());
        Assert.Empty(explicitScalar.shape);
        Assert.Equal(7L, explicitScalar.item<long>());
        var e = Assert.Throws<ArgumentException>(() => torch.tensor(new float[] { 1, 2, 3 }, new long[] { 2, 2 }));
        Assert.Contains("needs 4 elements but 3 were given", e.Message);
    }
}
