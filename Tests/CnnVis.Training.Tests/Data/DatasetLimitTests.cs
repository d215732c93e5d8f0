using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>Sizes that would exhaust memory or overflow a buffer are refused before anything is read or made.</summary>
public sealed class DatasetLimitTests
{
    [Theory]
    [InlineData("synthetic-shapes?count=2e9", "'synthetic-shapes?count=2e9': count must be 1 to 10,000,000 images, got 2e9")]
    [InlineData("synthetic-shapes?count=2000000000", "'synthetic-shapes?count=2000000000': count must be 1 to 10,000,000 images, got 2000000000")]
    [InlineData("synthetic-shapes?count=99999999999", "'synthetic-shapes?count=99999999999': count must be 1 to 10,000,000 images, got 99999999999")]
    [InlineData("synthetic-shapes?count=0", "'synthetic-shapes?count=0': count must be 1 to 10,000,000 images, got 0")]
    [InlineData("synthetic-shapes?count=2.5", "'synthetic-shapes?count=2.5': count must be a whole number, got '2.5'")]
    [InlineData("synthetic-shapes?size=4096", "'synthetic-shapes?size=4096': size must be 16 to 512 pixels, got 4096")]
    // The folder does not exist: the size is refused before the folder is looked at.
    [InlineData("folder:/nonexistent/pets?size=4096", "'folder:/nonexistent/pets?size=4096': size must be 1 to 1,024 pixels, got 4096")]
    [InlineData("folder:/nonexistent/pets?size=0", "'folder:/nonexistent/pets?size=0': size must be 1 to 1,024 pixels, got 0")]
    [InlineData("folder:/nonexistent/pets?channels=4", "'folder:/nonexistent/pets?channels=4': channels must be 1 to 3 channels, got 4")]
    public void ASettingOutOfRangeIsNamedWithItsLimit(string name, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Datasets.Create(name));
        Assert.Equal(message, ParameterSuffixless(e));
        Assert.Equal("name", e.ParamName);
    }

    [Fact]
    public void TheConstructorsKeepTheSameLimits()
    {
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(count: SyntheticShapes.MaxCount + 1));
        Assert.StartsWith("the image count must be 1 to 10,000,000, got 10,000,001", count.Message);
        using var dir = new TempDirectory();
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolder(dir.Path, size: 4096));
        Assert.StartsWith("the image size must be 1 to 1024 pixels, got 4096", size.Message);
    }

    [Fact]
    public void ABatchTooBigForOneBufferIsRefusedBeforeAnythingIsMade()
    {
        var shapes = new SyntheticShapes(count: 10, size: 512);
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(shapes, batchSize: 3000, shuffle: false, seed: 0));
        Assert.Equal("synthetic-shapes: a batch of 3000 images of 3x512x512 holds 2,359,296,000 values, more than one buffer can (2,147,483,591); " +
            "lower the batch size or the image size", ParameterSuffixless(e));
    }

    private static string ParameterSuffixless(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
