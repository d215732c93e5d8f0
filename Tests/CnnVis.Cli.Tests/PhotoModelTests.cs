namespace CnnVis.Cli.Tests;

/// <summary>The model the photo commands (dream, invert, features) look with, and the input it expects.</summary>
public sealed class PhotoModelTests
{
    [Fact]
    public void TheImageNetNetworkReadsPixelsInTheUnitRangeWhateverTheDatasetsStatistics()
    {
        // synthetic-shapes, the default dataset, has its own mean and deviation; the ImageNet ResNet-18 preprocesses
        // pixels in [0, 1] itself, as it trained, so normalising them again would feed it other values.
        var loaded = PhotoModel.Load(null, "resnet18-imagenet", null, 0);
        using var model = loaded.Model;
        Assert.Equal([0f, 0f, 0f], loaded.Range.Lower);
        Assert.Equal([1f, 1f, 1f], loaded.Range.Upper);
        Assert.Equal(224, loaded.Data.Height);

        var small = PhotoModel.Load(null, "resnet-small", null, 0);
        using var smallModel = small.Model;
        Assert.NotEqual([0f, 0f, 0f], small.Range.Lower);
    }
}
