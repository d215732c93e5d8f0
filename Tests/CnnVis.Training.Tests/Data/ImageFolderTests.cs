using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class ImageFolderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ReadsClassFoldersInOrderConvertingAndResizing()
    {
        WriteSolid("dog/b.png", 12, 16, 3, 0, 0, 255);
        WriteSolid("cat/a.png", 8, 8, 3, 255, 0, 0);
        WriteSolid("cat/nested/c.png", 5, 7, 1, 128);
        File.WriteAllText(_dir.File("cat/notes.txt"), "not an image");
        WriteSolid(".thumbnails/x.png", 2, 2, 3, 1, 2, 3);

        var data = new ImageFolder(_dir.Path, size: 4);
        Assert.Equal(new[] { "cat", "dog" }, data.ClassNames);
        Assert.Equal(3, data.Count);
        Assert.Equal((3, 4, 4), (data.Channels, data.Height, data.Width));
        Assert.Equal(new[] { 0, 0, 1 }, Enumerable.Range(0, 3).Select(data.Label));
        Assert.EndsWith(Path.Combine("cat", "a.png"), data.Files[0]);
        Assert.EndsWith(Path.Combine("cat", "nested", "c.png"), data.Files[1]);

        AssertSolid(data.GetImage(0), 1f, 0f, 0f);
        AssertSolid(data.GetImage(1), 128 / 255f, 128 / 255f, 128 / 255f);
        AssertSolid(data.GetImage(2), 0f, 0f, 1f);

        var grey = new ImageFolder(_dir.Path, size: 6, channels: 1);
        Assert.Equal((1, 6, 6), (grey.Channels, grey.Height, grey.Width));
        var red = grey.GetImage(0);
        Assert.All(red, v => Assert.Equal(red[0], v));
        Assert.InRange(red[0], 0.2f, 0.4f); // red's luminance
    }

    [Fact]
    public void ShrinkingAveragesInsteadOfSkippingPixels()
    {
        // Every fourth column white: a plain bilinear quarter-size samples only black columns.
        var pixels = new byte[8 * 8];
        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 8; x++) pixels[y * 8 + x] = (byte)(x % 4 == 0 ? 255 : 0);
        }
        WritePng("stripes/a.png", pixels, 8, 8, 1);
        var image = new ImageFolder(_dir.Path, size: 2, channels: 1).GetImage(0);
        Assert.All(image, v => Assert.InRange(v, 0.15f, 0.35f));
        Assert.InRange(image.Average(), 0.2f, 0.3f);
    }

    [Fact]
    public void EnlargingInterpolatesMonotonically()
    {
        var ramp = new byte[] { 0, 100, 200, 250 };
        var pixels = Enumerable.Range(0, 16).Select(i => ramp[i % 4]).ToArray();
        WritePng("ramp/a.png", pixels, 4, 4, 1);
        var image = new ImageFolder(_dir.Path, size: 8, channels: 1).GetImage(0);
        for (var y = 0; y < 8; y++)
        {
            var row = image.AsSpan(y * 8, 8).ToArray();
            Assert.Equal(row.Order(), row);
            Assert.Equal(0f, row[0]);
            Assert.Equal(250 / 255f, row[7]);
        }
    }

    [Fact]
    public void NormalisationIsMeasuredOverTheImages()
    {
        WriteSolid("a/1.png", 4, 4, 3, 255, 0, 0);
        WriteSolid("b/1.png", 4, 4, 3, 0, 0, 0);
        var data = new ImageFolder(_dir.Path, size: 4);
        Assert.Equal(new[] { 0.5f, 0f, 0f }, data.Normalization.Mean);
        Assert.Equal(0.5f, data.Normalization.Std[0], 5);
        Assert.All(data.Normalization.Std, s => Assert.True(s > 0));

        using var loader = new DataLoader(data, 2, shuffle: false, seed: 0);
        using var batch = loader.GetBatch(0, 0);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, batch.Images.shape);
        Assert.Equal(1f, batch.Images.data<float>()[0], 5);
    }

    [Fact]
    public void MissingRootIsNamed()
    {
        var missing = Path.Combine(_dir.Path, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new ImageFolder(missing));
        Assert.Equal($"{missing}: no such folder", e.Message);
    }

    [Fact]
    public void RootWithoutClassFoldersIsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => new ImageFolder(_dir.Path));
        Assert.StartsWith($"{_dir.Path}: no class folders", e.Message);

        WriteSolid("loose.png", 2, 2, 3, 0, 0, 0);
        e = Assert.Throws<InvalidDataException>(() => new ImageFolder(_dir.Path));
        Assert.Contains("one folder per class", e.Message);
    }

    [Fact]
    public void ClassFolderWithoutImagesIsNamed()
    {
        WriteSolid("cat/a.png", 2, 2, 3, 0, 0, 0);
        File.WriteAllText(_dir.File("dog/readme.txt"), "no images here");
        var e = Assert.Throws<InvalidDataException>(() => new ImageFolder(_dir.Path));
        Assert.StartsWith($"{Path.Combine(_dir.Path, "dog")}: class 'dog' has no images", e.Message);
    }

    [Fact]
    public void UndecodableFileIsNamedWhenRead()
    {
        WriteSolid("cat/a.png", 2, 2, 3, 0, 0, 0);
        var bad = _dir.File("cat/b.png");
        File.WriteAllText(bad, "this is not a PNG");
        var data = new ImageFolder(_dir.Path, size: 2);
        Assert.Equal(2, data.Count);
        data.GetImage(0);
        var e = Assert.Throws<InvalidDataException>(() => data.GetImage(1));
        Assert.StartsWith($"{bad}: ", e.Message);
        Assert.Contains("decode", e.Message);

        e = Assert.Throws<InvalidDataException>(() => new ImageFolder(_dir.Path, size: 2).Preload());
        Assert.StartsWith($"{bad}: ", e.Message);
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        WriteSolid("cat/a.png", 2, 2, 3, 0, 0, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolder(_dir.Path, channels: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolder(_dir.Path, size: 0));
        var e = Assert.Throws<InvalidDataException>(() => new ImageFolder(_dir.Path, classNames: new[] { "dog" }));
        Assert.Contains("'cat' is not one of the classes dog", e.Message);
    }

    private void WriteSolid(string relative, int height, int width, int channels, params byte[] value)
    {
        var pixels = new byte[height * width * channels];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = value[i % channels];
        WritePng(relative, pixels, height, width, channels);
    }

    private void WritePng(string relative, byte[] pixels, int height, int width, int channels)
    {
        using var image = torch.tensor<byte>(pixels, new long[] { height, width, channels });
        torchvision.io.write_png(image, _dir.File(relative));
    }

    private static void AssertSolid(float[] image, params float[] rgb)
    {
        var plane = image.Length / 3;
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < plane; p++) Assert.Equal(rgb[c], image[c * plane + p], 5);
        }
    }
}
