using System.Text.Json;
using CnnVis.Cli.Commands;
using CnnVis.Torch;
using CnnVis.Training.Loop;
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

    /// <summary>The output with every run of white space as one space: the console wraps long lines at spaces.</summary>
    private static string Flat(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");

    [Fact]
    public void ListsEachMethodsSettingsWithTheirDefaults()
    {
        var (code, output) = CliProcess.Run(_dir, "explain", "--list-methods");
        Assert.Equal(0, code);
        foreach (var setting in new[] { "steps=32", "baseline=mean", "window=4", "stride=2", "fill=mean", "samples=16", "noise=0.15", "batch=" })
            Assert.Contains(setting, Flat(output));
        Assert.DoesNotContain("blacked out", Flat(output));
        Assert.DoesNotContain("from a black baseline", Flat(output));
    }

    [Fact]
    public void MethodSpecsCarryTheirSettingsAndTheirCommasDoNotSplitTheList()
    {
        var npy = Path.Combine(_dir, "maps.npy");
        var (code, output) = Explain("--indices", "0-1", "--method", "integrated-gradients(steps=4,baseline=black),occlusion(window=7,stride=7,fill=black)",
            "--method", "smoothgrad(saliency,samples=2)", "--npy", npy, "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Contains("with integrated-gradients(steps=4,baseline=black), occlusion(window=7,stride=7,fill=black), smoothgrad(saliency,samples=2) (1 thread)", Flat(output));
        foreach (var file in new[] { "maps.integrated-gradients-steps-4-baseline-black.npy", "maps.occlusion-window-7-stride-7-fill-black.npy", "maps.smoothgrad-saliency-samples-2.npy" })
        {
            using var map = NpyFile.Read(Path.Combine(_dir, file));
            Assert.Equal(2, map.size(0));
        }
    }

    [Theory]
    [InlineData("integrated-gradients(step=64)", "error: 'integrated-gradients(step=64)': unknown setting 'step'; integrated-gradients takes steps, baseline")]
    [InlineData("occlusion(window=8,fill=white)", "error: 'occlusion(window=8,fill=white)': fill must be mean or black, got 'white'")]
    [InlineData("smoothgrad(gradcam,samples=0)", "error: 'smoothgrad(gradcam,samples=0)': samples must be a whole number from 1 to 4096, got '0'")]
    public void BadMethodSettingsAreNamed(string spec, string message)
    {
        var (code, output) = Explain("--indices", "0", "--method", spec, "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains(message, Flat(output));
        Assert.False(File.Exists(Path.Combine(_dir, "x.png")));
    }

    [Fact]
    public void ExplainUsesTheMachinesCoresUnlessToldAndRefusesAbsurdThreadCounts()
    {
        var (code, output) = Explain("--indices", "0", "--method", "saliency", "--npy", Path.Combine(_dir, "x.npy"));
        Assert.True(code == 0, output);
        Assert.Contains($"({Environment.ProcessorCount} thread", Flat(output));
        (code, output) = Explain("--indices", "0", "--npy", Path.Combine(_dir, "x.npy"), "--threads", "100000");
        Assert.Equal(2, code);
        Assert.Contains($"--threads must be from 1 to {4 * Environment.ProcessorCount}", Flat(output));
        (code, output) = CliProcess.Run(_dir, "demo", "--threads", "0", "--out", Path.Combine(_dir, "demo"));
        Assert.Equal(2, code);
        Assert.Contains("--threads must be from 1 to", Flat(output));
        Assert.False(Directory.Exists(Path.Combine(_dir, "demo")));
        (code, output) = CliProcess.Run(_dir, "info");
        Assert.Equal(0, code);
        Assert.Contains($"{Environment.ProcessorCount} (this machine's cores)", Flat(output));
    }

    [Fact]
    public void ALayerWithoutFeatureMapsIsRefusedInOneLine()
    {
        var (code, output) = Explain("--indices", "0", "--method", "gradcam", "--layer", "classifier", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("error: --layer classifier gives [1, 10], not feature maps [N, C, h, w]: CAM-family methods need a convolutional layer, such as the model's explanation layer features.16", Flat(output));
        Assert.DoesNotContain("Exception", Flat(output));
        (code, output) = Explain("--indices", "0", "--method", "layercam@classifier", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("error: layercam@classifier: layer 'classifier' gives [1, 10], not feature maps", Flat(output));
    }

    [Fact]
    public void ACheckpointWithoutClassNamesUsesTheDatasetsAndSaysSo()
    {
        var folder = Path.Combine(_dir, "run", "checkpoints", "epoch-0001");
        Directory.CreateDirectory(folder);
        File.Copy(PyTorchCheckpoint(), Path.Combine(folder, Checkpoint.ModelFile));
        var meta = new Checkpoint { Epoch = 1, Step = 10, BatchInEpoch = 0, EndOfEpoch = true, Options = new TrainingOptions(), ClassNames = [] };
        File.WriteAllText(Path.Combine(folder, Checkpoint.MetaFile), JsonSerializer.Serialize(meta));
        var (code, output) = CliProcess.Run(_dir, "explain", "--checkpoint", Path.Combine(_dir, "run"), "--indices", "0", "--npy", Path.Combine(_dir, "x.npy"));
        Assert.True(code == 0, output);
        Assert.Contains($"warning: {Path.Combine(folder, Checkpoint.MetaFile)} lists no class names; using fashion-mnist's 10", Flat(output));
        Assert.True(File.Exists(Path.Combine(_dir, "x.npy")));
    }

    [Fact]
    public void NonFiniteWeightsAreNamedInAWarning()
    {
        var state = torch.load(PyTorchCheckpoint());
        try
        {
            using (var nan = torch.full(state["features.0.weight"].shape, double.NaN)) state["features.0.weight"].copy_(nan);
            using (var infinity = torch.full(state["classifier.bias"].shape, double.PositiveInfinity)) state["classifier.bias"].copy_(infinity);
            var broken = Path.Combine(_dir, "broken.pt");
            torch.save(state, broken);
            var (code, output) = CliProcess.Run(_dir, "explain", "--checkpoint", broken, "--model", "fashionnet", "--indices", "0", "--npy", Path.Combine(_dir, "x.npy"));
            Assert.True(code == 0, output);
            Assert.Contains($"warning: {broken} has non-finite weights (NaN or infinity) in 2 of", Flat(output));
            Assert.Contains("features.0.weight, classifier.bias; its maps will be NaN", Flat(output));
            (code, output) = Explain("--indices", "0", "--npy", Path.Combine(_dir, "y.npy"));
            Assert.True(code == 0, output);
            Assert.DoesNotContain("non-finite", Flat(output));
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void ExplainingDatasetImagesLeavesNoTensorBehind()
    {
        var request = new ExplainCommand.ExplainRequest(PyTorchCheckpoint(), "fashionnet", null, [], null, "0-2", ["gradcam", "saliency"], "true", null,
            null, Path.Combine(_dir, "maps.npy"), "jet", 1);
        ExplainCommand.Run(request);
        var before = Tensor.LiveCount;
        ExplainCommand.Run(request);
        Assert.Equal(before, Tensor.LiveCount);
    }

    [Fact]
    public void ExplainingAnImageFileReadsNoDatasetImages()
    {
        // A Fashion-MNIST copy whose header promises 10,000 images but holds one: the test split cannot be opened, yet an
        // image file is explained, since only the dataset's size, normalisation and classes are needed.
        var data = Path.Combine(_dir, "fmnist");
        Directory.CreateDirectory(data);
        WriteGzippedIdx(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), [10_000, 28, 28], new byte[784]);
        WriteGzippedIdx(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), [10_000], new byte[1]);
        var image = Path.Combine(_dir, "blank.png");
        using (var pixels = torch.zeros(new long[] { 28, 28, 1 }, ScalarType.Byte)) torchvision.io.write_png(pixels, image);
        var (code, output) = Explain("--dataset", $"fashion-mnist?dir={data}", "--image", image, "--method", "saliency", "--npy", Path.Combine(_dir, "x.npy"));
        Assert.True(code == 0, output);
        (code, output) = Explain("--dataset", $"fashion-mnist?dir={data}", "--indices", "0", "--npy", Path.Combine(_dir, "y.npy"));
        Assert.Equal(2, code);
        Assert.Contains("t10k-images-idx3-ubyte.gz: expected", Flat(output));
    }

    private static void WriteGzippedIdx(string path, int[] sizes, byte[] data)
    {
        using var file = File.Create(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        var header = new byte[4 + (4 * sizes.Length)];
        header[2] = 0x08;
        header[3] = (byte)sizes.Length;
        for (var d = 0; d < sizes.Length; d++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * d)), sizes[d]);
        gzip.Write(header);
        gzip.Write(data);
    }

    [Fact]
    public void AMachineWithoutFontsIsToldWhichPackagesToInstall()
    {
        // A fontconfig setup that knows no font directory: what a bare container without fonts-dejavu-core sees.
        var config = Path.Combine(_dir, "no-fonts.conf");
        File.WriteAllText(config, $"<?xml version=\"1.0\"?><fontconfig><cachedir>{Path.Combine(_dir, "fc-cache")}</cachedir></fontconfig>");
        var png = Path.Combine(_dir, "grid.png");
        var noFonts = new Dictionary<string, string> { ["FONTCONFIG_FILE"] = config, [LabelFont.FontFileVariable] = "" };
        var (code, output) = CliProcess.Run(_dir, noFonts, ["explain", "--checkpoint", PyTorchCheckpoint(), "--model", "fashionnet", "--indices", "0-1", "--method", "gradcam,saliency", "--out", png]);
        Assert.True(code == CliErrors.ExitCode, output);
        Assert.Contains("no font to write labels with: 'DejaVu Sans' is not installed", Flat(output));
        Assert.Contains("install the packages fonts-dejavu-core and fontconfig", Flat(output));
        Assert.False(File.Exists(png));

        var missing = Path.Combine(_dir, "gone.ttf");
        (code, output) = CliProcess.Run(_dir, new Dictionary<string, string> { [LabelFont.FontFileVariable] = missing },
            ["explain", "--checkpoint", PyTorchCheckpoint(), "--model", "fashionnet", "--indices", "0-1", "--method", "gradcam,saliency", "--out", png]);
        Assert.True(code == CliErrors.ExitCode, output);
        Assert.Contains($"CNNVIS_FONT={missing}: no such file", Flat(output));
    }
}
