using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>Explaining an image file needs a dataset's size, normalisation and classes, not its images.</summary>
public sealed class DatasetFactsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FashionMnistIsDescribedFromItsHeaderAlone()
    {
        // A header declaring 10,000 images of 32x30 followed by a single image: opening the split fails, describing it does not.
        File.WriteAllBytes(Path.Combine(_dir.Path, "t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Content(new[] { 10_000, 32, 30 }, new byte[960])));
        File.WriteAllBytes(Path.Combine(_dir.Path, "t10k-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Content(new[] { 10_000 }, new byte[10_000])));
        Assert.Throws<InvalidDataException>(() => Datasets.Create($"fashion-mnist?dir={_dir.Path}", train: false));
        var facts = Datasets.Describe($"fashion-mnist?dir={_dir.Path}", train: false);
        Assert.Equal(("fashion-mnist", 1, 32, 30), (facts.Name, facts.Channels, facts.Height, facts.Width));
        Assert.Equal(10, facts.ClassNames.Count);
        Assert.Equal(0.2860f, facts.Normalization.Mean[0]);
    }

    [Fact]
    public void TheDescriptionMatchesTheOpenedDataset()
    {
        var described = Datasets.Describe("fashion-mnist", train: false);
        var opened = DatasetFacts.Of(Datasets.Create("fashion-mnist", train: false));
        Assert.Equal((opened.Name, opened.Channels, opened.Height, opened.Width), (described.Name, described.Channels, described.Height, described.Width));
        Assert.Equal(opened.ClassNames, described.ClassNames);
        Assert.Equal(opened.Normalization, described.Normalization);
        var shapes = Datasets.Describe("synthetic-shapes?count=8&size=24", train: false, seed: 3);
        Assert.Equal((3, 24, 24), (shapes.Channels, shapes.Height, shapes.Width));
    }

    [Fact]
    public void ABadHeaderIsNamedWhenDescribing()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(new byte[] { 0, 0, 8, 1, 0, 0 }));
        var e = Assert.Throws<InvalidDataException>(() => Datasets.Describe($"fashion-mnist?dir={_dir.Path}", train: false));
        Assert.Equal("t10k-images-idx3-ubyte.gz: expected a 16-byte idx header, got 6 bytes", e.Message);
    }
}
