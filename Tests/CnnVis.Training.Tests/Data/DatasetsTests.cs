using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class DatasetsTests
{
    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => Datasets.Create("cifar-10"));
        Assert.Contains("unknown dataset 'cifar-10'", e.Message);
        Assert.Contains("fashion-mnist, synthetic-shapes, folder:<path>", e.Message);
    }

    [Fact]
    public void OpensFashionMnist()
    {
        var test = Datasets.Create("fashion-mnist", train: false);
        Assert.IsType<FashionMnist>(test);
        Assert.Equal(10_000, test.Count);
    }

    [Fact]
    public void SyntheticShapesTakeSettingsInTheirName()
    {
        var train = Assert.IsType<SyntheticShapes>(Datasets.Create("synthetic-shapes?size=64&count=300&marker=0.75", train: true, seed: 5));
        Assert.Equal((64, 300, 5L), (train.Size, train.Count, train.Seed));
        Assert.Equal(0.75, train.Marker!.Correlation);
        var test = Assert.IsType<SyntheticShapes>(Datasets.Create("synthetic-shapes?size=64&count=300&marker=0.75&seed=9", train: false, seed: 5));
        Assert.Equal(9L, test.Seed);
        Assert.Null(test.Marker);
        var plain = Assert.IsType<SyntheticShapes>(Datasets.Create("synthetic-shapes", options: new DatasetOptions { Count = 50, Channels = 1 }));
        Assert.Equal((32, 50), (plain.Size, plain.Count));
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => Datasets.Create("synthetic-shapes?colour=red"));
        Assert.Contains("unknown setting 'colour'", e.Message);
        Assert.Contains("size, count, marker, seed", e.Message);
        e = Assert.Throws<ArgumentException>(() => Datasets.Create("synthetic-shapes?size=big"));
        Assert.Contains("size must be a whole number, got 'big'", e.Message);
        e = Assert.Throws<ArgumentException>(() => Datasets.Create("fashion-mnist?size=64"));
        Assert.Contains("unknown setting 'size'", e.Message);
        e = Assert.Throws<ArgumentException>(() => Datasets.Create("folder:"));
        Assert.Contains("names no folder", e.Message);
    }

    [Fact]
    public void FolderWithoutSplitsHoldsOutATestShare()
    {
        using var dir = new TempDirectory();
        for (var i = 0; i < 10; i++)
        {
            WriteGrey(dir.File($"a/{i}.png"), (byte)i);
            WriteGrey(dir.File($"b/{i}.png"), (byte)(100 + i));
        }
        var train = Datasets.Create($"folder:{dir.Path}?size=4&channels=1", train: true, seed: 2);
        var test = Datasets.Create($"folder:{dir.Path}?size=4&channels=1", train: false, seed: 2);
        Assert.Equal((16, 4), (train.Count, test.Count));
        Assert.Equal((1, 4), (train.Channels, train.Height));
        var trainFiles = Files(train);
        var testFiles = Files(test);
        Assert.Empty(trainFiles.Intersect(testFiles));
        Assert.Equal(20, trainFiles.Union(testFiles).Count());
    }

    [Fact]
    public void FolderWithTrainAndTestSubfoldersUsesThem()
    {
        using var dir = new TempDirectory();
        WriteGrey(dir.File("train/a/1.png"), 10);
        WriteGrey(dir.File("train/b/1.png"), 20);
        WriteGrey(dir.File("train/b/2.png"), 30);
        WriteGrey(dir.File("test/b/1.png"), 40);
        var train = Assert.IsType<ImageFolder>(Datasets.Create($"folder:{dir.Path}", train: true));
        var test = Assert.IsType<ImageFolder>(Datasets.Create($"folder:{dir.Path}", train: false));
        Assert.Equal(3, train.Count);
        Assert.Equal(new[] { "a", "b" }, test.ClassNames);
        Assert.Equal(1, test.Label(0));
        Assert.Equal(train.Normalization.Mean, test.Normalization.Mean);
        Assert.Equal(ImageFolder.DefaultSize, test.Height);
    }

    private static IEnumerable<string> Files(ImageDataset part)
    {
        var subset = Assert.IsType<Subset>(part);
        var folder = Assert.IsType<ImageFolder>(subset.Dataset);
        return subset.Indices.Select(i => folder.Files[i]);
    }

    private static void WriteGrey(string path, byte value)
    {
        using var image = torch.full(new long[] { 3, 3, 1 }, value, ScalarType.Byte);
        torchvision.io.write_png(image, path);
    }
}
