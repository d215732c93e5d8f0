using System.Text.RegularExpressions;
using CnnVis.Torch;

namespace CnnVis.Cli.Tests;

/// <summary>`cnnvis dream`, `invert` and `features` on python3-skimage's sample photos with a zoo model's untrained weights.</summary>
public sealed class PhotoCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-photo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The console wraps long lines: messages are compared with every run of white space as one space.
    private (int, string) Run(params string[] args)
    {
        var (code, output) = CliProcess.Run(_dir, [.. args, "--threads", "2"]);
        return (code, Regex.Replace(output, @"\s+", " "));
    }

    private static long[] PngShape(string path)
    {
        using var pixels = torchvision.io.read_image(path);
        return pixels.shape;
    }

    [Fact]
    public void DreamWritesTheDreamAtThePhotosSizeAndReportsEachOctave()
    {
        var png = Path.Combine(_dir, "dream.png");
        var (code, output) = Run("dream", "--model", "resnet-small", "--image", "sample:coffee", "--size", "48",
            "--spec", "deepdream@layer2(octaves=2,scale=1.5,steps=2,jitter=2)", "--out", png);
        Assert.True(code == 0, output);
        // coffee.png is 600x400: its longer side becomes 48.
        Assert.Equal(new long[] { 32, 48, 3 }, PngShape(png));
        Assert.Contains("octave 1 (32x21): objective", output);
        Assert.Contains("octave 2 (48x32): objective", output);
        Assert.Contains("untrained weights", output);
    }

    [Fact]
    public void DreamRefusesUnknownLayersChannelsAndBadSettingsByName()
    {
        var png = Path.Combine(_dir, "never.png");
        var (code, output) = Run("dream", "--model", "resnet-small", "--image", "sample:chelsea", "--size", "32", "--layer", "layer9", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("--layer: resnet-small has no layer 'layer9'; its layers are stem, stem.0,", output);
        (code, output) = Run("dream", "--model", "resnet-small", "--image", "sample:chelsea", "--size", "32", "--spec", "deepdream@layer2(octaves=1,steps=1,channel=64)", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("channel 64 is out of range: layer 'layer2' has 64 channels (0-63)", output);
        (code, output) = Run("dream", "--model", "resnet-small", "--image", "sample:chelsea", "--spec", "deepdream@layer2(octaves=0)", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("'deepdream@layer2(octaves=0)': octaves must be a whole number from 1 to 12, got '0'", output);
        Assert.False(File.Exists(png));
    }

    [Fact]
    public void InvertWritesOneColumnPerLayerAfterThePhoto()
    {
        var png = Path.Combine(_dir, "invert.png");
        var (code, output) = Run("invert", "--model", "resnet-small", "--image", "sample:astronaut", "--size", "24",
            "--layers", "stem,layer2", "--spec", "invert(steps=4)", "--out", png);
        Assert.True(code == 0, output);
        Assert.Contains("stem: representation distance", output);
        Assert.Contains("layer2: representation distance", output);
        var shape = PngShape(png);
        Assert.True(shape[1] > 2 * shape[0], $"three cells side by side are more than twice as wide as tall: {string.Join("x", shape)}");
        (code, output) = Run("invert", "--model", "resnet-small", "--image", "sample:astronaut", "--layers", "stem,nope", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("--layers: resnet-small has no layer 'nope'", output);
    }

    [Fact]
    public void FeaturesShowsEachViewAndRefusesABadChannel()
    {
        foreach (var (view, extra) in new[] { ("maps", Array.Empty<string>()), ("eigencam", []), ("guided-backprop", ["--channel", "3"]), ("maximize", ["--channel", "3", "--steps", "3"]) })
        {
            var png = Path.Combine(_dir, view + ".png");
            string[] photo = view == "maximize" ? [] : ["--image", "sample:chelsea"];
            var (code, output) = Run(["features", "--model", "vgg-small", .. photo, "--size", "32", "--view", view, "--layer", "features.5", .. extra, "--out", png]);
            Assert.True(code == 0, $"{view}: {output}");
            Assert.True(new FileInfo(png).Length > 100, view);
        }
        var (bad, message) = Run("features", "--model", "vgg-small", "--image", "sample:chelsea", "--size", "32", "--view", "guided-backprop", "--layer", "features.5", "--channel", "32", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, bad);
        Assert.Contains("filter 32 is out of range: layer 'features.5' has 32 filters (0-31)", message);
        (bad, message) = Run("features", "--model", "vgg-small", "--image", "sample:chelsea", "--size", "32", "--view", "eigencam", "--layer", "classifier", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, bad);
        Assert.Contains("layer 'classifier' gives shape [1, ", message);
        Assert.Contains("not feature maps [N, K, h, w]: pick a convolutional layer", message);
        (bad, message) = Run("features", "--model", "vgg-small", "--image", "sample:chelsea", "--view", "histogram", "--layer", "features.5", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, bad);
        Assert.Contains("--view must be one of maps, eigencam, guided-backprop, maximize, filters, got 'histogram'", message);
    }

    [Fact]
    public void FeaturesDrawsTheImageNetNetworksFirstLayerFiltersWithoutAPhoto()
    {
        var png = Path.Combine(_dir, "filters.png");
        var (code, output) = Run("features", "--model", "resnet18-imagenet", "--view", "filters", "--out", png);
        Assert.True(code == 0, output);
        Assert.Contains("conv1: 64 filters of 3x7x7", output);
        // 64 tiles in a square grid: as many tiles across as down.
        var shape = PngShape(png);
        Assert.Equal(shape[0], shape[1]);
        Assert.True(shape[0] >= 8 * 7, string.Join("x", shape));
        (code, output) = Run("features", "--model", "resnet18-imagenet", "--view", "filters", "--layer", "layer1", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("--view filters shows the first convolution's filters: leave out --layer", output);
        (code, output) = Run("features", "--model", "resnet18-imagenet", "--view", "filters", "--channel", "1", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("--view filters shows every channel: leave out --channel", output);
    }

    [Theory]
    [InlineData("dream", "octaves")]
    [InlineData("invert", "--layers")]
    [InlineData("features", "--channel")]
    public void HelpDescribesTheOptions(string command, string expected)
    {
        var (code, output) = CliProcess.Run(_dir, command, "--help");
        Assert.Equal(0, code);
        Assert.Contains(expected, output);
        Assert.Contains("sample:NAME", output);
    }
}
