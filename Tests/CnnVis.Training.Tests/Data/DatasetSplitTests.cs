using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class DatasetSplitTests
{
    [Fact]
    public void SplitsEveryClassInProportionWithoutOverlap()
    {
        var data = TestDatasets.Numbered(103);
        var (train, validation) = DatasetSplit.Split(data, 0.2, seed: 1);
        Assert.Equal(82, train.Count);
        Assert.Equal(21, validation.Count);
        var trainIndices = Assert.IsType<Subset>(train).Indices;
        var validationIndices = Assert.IsType<Subset>(validation).Indices;
        Assert.Empty(trainIndices.Intersect(validationIndices));
        Assert.Equal(Enumerable.Range(0, 103), trainIndices.Concat(validationIndices).Order());
        // Five classes of 20 or 21 images: four or five of each are held out.
        var perClass = validationIndices.GroupBy(data.Label).Select(g => g.Count()).ToArray();
        Assert.Equal(5, perClass.Length);
        Assert.All(perClass, n => Assert.InRange(n, 4, 5));
        Assert.Equal(data.Label(trainIndices[3]), train.Label(3));
        Assert.Equal(data.GetImage(validationIndices[2]), validation.GetImage(2));
    }

    [Fact]
    public void TheSeedAloneDecides()
    {
        var data = TestDatasets.Numbered(200);
        var a = ((Subset)DatasetSplit.Split(data, 0.25, seed: 3).validation).Indices;
        var b = ((Subset)DatasetSplit.Split(data, 0.25, seed: 3).validation).Indices;
        var c = ((Subset)DatasetSplit.Split(data, 0.25, seed: 4).validation).Indices;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void SubsetsOfSubsetsReferToTheOriginal()
    {
        var data = TestDatasets.Numbered(50);
        var outer = new Subset(data, new[] { 10, 20, 30, 40 });
        var inner = new Subset(outer, new[] { 3, 1 });
        Assert.Same(data, inner.Dataset);
        Assert.Equal(new[] { 40, 20 }, inner.Indices);
        Assert.Equal(data.GetImage(40), inner.GetImage(0));
        Assert.Equal("numbered", inner.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Subset(outer, new[] { 4 }));
        Assert.Equal(50, Subset.First(data, 500).Count);
    }

    [Fact]
    public void FractionsOutsideZeroToOneAreRefused()
    {
        var data = TestDatasets.Numbered(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Split(data, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Split(data, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Split(data, double.NaN, 1));
        Assert.Throws<ArgumentException>(() => DatasetSplit.Split(data, 0.01, 1));
    }
}
