using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Cli.Tests;

public sealed class ExplainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-explain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A FashionNet state dict trained and saved by PyTorch (made by the Training tests' fixture script).</summary>
    private static string PyTorchCheckpoint()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Tests", "CnnVis.Training.Tests", "Fixtures", "fashionnet_pytorch.pt");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("fashionnet_pytorch.pt fixture not found");
    }

    private (int, string) Explain(params string[] args) =>
        CliProcess.Run(_dir, ["explain", "--checkpoint", PyTorchCheckpoint(), "--model", "fashionnet", .. args]);

    [Fact]
    public void ListsTheMethods()
    {
        var (code, output) = CliProcess.Run(_dir, "explain", "--list-methods");
        Assert.Equal(0, code);
        foreach (var m in new[] { "gradcam", "gradcam++", "layercam", "saliency", "guided-backprop", "integrated-gradients", "occlusion" })
            Assert.Contains(m, output);
    }

    [Fact]
    public void ExplainsDatasetImagesAsOneGridAndRawMaps()
    {
        var png = Path.Combine(_dir, "grid.png");
        var npy = Path.Combine(_dir, "maps.npy");
        var (code, output) = Explain("--indices", "0-3", "--method", "gradcam,saliency", "--target", "true", "--out", png, "--npy", npy);
        Assert.True(code == 0, output);
        using var grid = torchvision.io.read_image(png);
        Assert.True(grid.size(0) > grid.size(1), "four rows of three cells are taller than wide");
        using var gradcam = NpyFile.Read(Path.Combine(_dir, "maps.gradcam.npy"));
        Assert.Equal(new long[] { 4, 28, 28 }, gradcam.shape);
        using var saliency = NpyFile.Read(Path.Combine(_dir, "maps.saliency.npy"));
        Assert.Equal(4, saliency.size(0));
        Assert.True(gradcam.max().item<float>() > 0);
    }

    [Fact]
    public void ExplainsAnImageFileAsAnOverlayAtItsSize()
    {
        var image = Path.Combine(_dir, "shirt.png");
        using (var pixels = torch.zeros(new long[] { 40, 30, 3 }, ScalarType.Byte))
        {
            using var inner = pixels.narrow(0, 5, 30).narrow(1, 5, 20);
            inner.fill_(220);
            torchvision.io.write_png(pixels, image);
        }
        var png = Path.Combine(_dir, "overlay.png");
        var (code, output) = Explain("--image", image, "--method", "layercam", "--out", png);
        Assert.True(code == 0, output);
        using var overlay = torchvision.io.read_image(png);
        Assert.Equal(new long[] { 28, 28, 3 }, overlay.shape);
    }

    [Theory]
    [InlineData("--method nope", "unknown method 'nope'")]
    [InlineData("--method gradcam --layer features.99", "no layer 'features.99'")]
    [InlineData("--target 12", "--target 12 is out of range")]
    [InlineData("--indices 10000", "out of range: the test split has 10000 images")]
    [InlineData("--indices 5-2", "'5-2' is not an index or a range")]
    public void BadArgumentsAreNamed(string arguments, string message)
    {
        var args = arguments.Split(' ').ToList();
        if (!args.Contains("--indices")) args.AddRange(["--indices", "0"]);
        var (code, output) = Explain([.. args, "--out", Path.Combine(_dir, "x.png")]);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(_dir, "x.png")));
    }

    [Fact]
    public void AnUndecodableImageIsNamed()
    {
        var bad = Path.Combine(_dir, "broken.png");
        File.WriteAllText(bad, "not an image");
        var (code, output) = Explain("--image", bad, "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("broken.png: cannot decode image", output);
    }

    [Fact]
    public void ACheckpointForAnotherModelIsRefusedWithItsKeys()
    {
        var (code, output) = CliProcess.Run(_dir, "explain", "--checkpoint", PyTorchCheckpoint(), "--model", "resnet-small", "--indices", "0", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("does not fit resnet-small", output);
        Assert.Contains("missing keys", output);
    }

    [Fact]
    public void TrueTargetNeedsDatasetImages()
    {
        var image = Path.Combine(_dir, "blank.png");
        using (var pixels = torch.zeros(new long[] { 28, 28, 1 }, ScalarType.Byte)) torchvision.io.write_png(pixels, image);
        var (code, output) = Explain("--image", image, "--target", "true", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("--target true needs dataset images", output);
    }
}
