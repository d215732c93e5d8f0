using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class FashionMnistTests : IClassFixture<FashionMnistFixture>
{
    private readonly FashionMnistFixture _data;

    public FashionMnistTests(FashionMnistFixture data) => _data = data;

    [Fact]
    public void ReadsBothSplitsOfTheRealFiles()
    {
        Assert.Equal(60_000, _data.Train.Count);
        Assert.Equal(10_000, _data.Test.Count);
        Assert.Equal((1, 28, 28), (_data.Train.Channels, _data.Train.Height, _data.Train.Width));
        Assert.Equal("fashion-mnist", _data.Train.Name);
        Assert.EndsWith("train-images-idx3-ubyte.gz", _data.Train.ImagesPath);
        Assert.EndsWith("t10k-labels-idx1-ubyte.gz", _data.Test.LabelsPath);
    }

    [Fact]
    public void FirstImagesAreTheKnownOnes()
    {
        // The first training image is an ankle boot (label 9), as is the first test image.
        Assert.Equal(9, _data.Train.Label(0));
        Assert.Equal("Ankle boot", _data.Train.ClassNames[_data.Train.Label(0)]);
        Assert.Equal(9, _data.Test.Label(0));
        Assert.Equal(0, _data.Train.Label(1));
        Assert.Equal("T-shirt/top", _data.Train.ClassNames[0]);

        var image = _data.Train.GetImage(0);
        Assert.Equal(784, image.Length);
        Assert.All(image, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(0f, image[0]);
        var bytes = _data.Train.Pixels(0);
        for (var i = 0; i < bytes.Length; i++) Assert.Equal(bytes[i] / 255f, image[i]);
    }

    [Fact]
    public void ClassNamesAndNormalisationAreFashionMnists()
    {
        Assert.Equal(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            _data.Train.ClassNames);
        Assert.Equal(new[] { 0.2860f }, _data.Train.Normalization.Mean);
        Assert.Equal(new[] { 0.3530f }, _data.Train.Normalization.Std);
    }

    [Fact]
    public void StatedNormalisationMatchesTheTrainingPixels()
    {
        var histogram = new long[256];
        for (var i = 0; i < _data.Train.Count; i++)
        {
            foreach (var b in _data.Train.Pixels(i)) histogram[b]++;
        }
        double sum = 0, squares = 0;
        for (var b = 0; b < 256; b++)
        {
            var v = b / 255.0;
            sum += histogram[b] * v;
            squares += histogram[b] * v * v;
        }
        var n = _data.Train.Count * 784.0;
        var mean = sum / n;
        Assert.Equal(0.2860, mean, 0.0005);
        Assert.Equal(0.3530, Math.Sqrt(squares / n - mean * mean), 0.0005);
    }

    [Fact]
    public void EveryClassHasSixThousandTrainingImages()
    {
        var counts = new int[10];
        for (var i = 0; i < _data.Train.Count; i++) counts[_data.Train.Label(i)]++;
        Assert.All(counts, c => Assert.Equal(6000, c));
    }

    [Fact]
    public void OutOfRangeIndexIsRefusedWithTheCount()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _data.Test.Label(10_000));
        Assert.Contains("10000", e.Message);
        Assert.Throws<ArgumentException>(() => _data.Test.CopyImage(0, new float[10]));
    }
}
