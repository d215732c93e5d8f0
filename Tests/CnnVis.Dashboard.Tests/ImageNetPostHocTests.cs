using CnnVis.Dashboard.Analysis;
using CnnVis.Dashboard.Computation;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Data;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// Post-hoc analysis of a transfer-learning run on the ImageNet ResNet-18 (its stored checkpoint) with an uploaded
/// 224x224 photo: the image reaches the model as it trained (pixels in [0, 1] at 224x224, not the dataset's own size
/// and statistics), and every class-agnostic view comes back as a picture and its raw values.
/// </summary>
public sealed class ImageNetPostHocTests : IAsyncLifetime
{
    private static readonly string[] s_classes = ["cat", "coffee"];
    private readonly string _folder = Directory.CreateTempSubdirectory("cnnvis-imagenet-posthoc-").FullName;
    private readonly ComputationQueue _queue = new(capacity: 2, maxConcurrent: 1);
    private Tensor? _conv1;

    private string StorePath => Path.Combine(_folder, "cnnvis.db");

    public async Task InitializeAsync() => await _queue.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _queue.StopAsync(CancellationToken.None);
        _queue.Dispose();
        _conv1?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A finished run with one stored checkpoint: the backbone's weights and a seeded head.</summary>
    private (long RunId, CheckpointRecord Checkpoint) StoreRun()
    {
        torch.manual_seed(7);
        using var model = ModelZoo.Create(ImageNetResNet18.ZooName, 3, s_classes.Length);
        using (var weight = ((Conv2d)model.get_submodule("conv1")).weight.detach()) _conv1 = weight.clone();
        var checkpoints = Path.Combine(_folder, "checkpoints", "epoch-0001");
        Directory.CreateDirectory(checkpoints);
        var file = Path.Combine(checkpoints, "model.pt");
        torch.save(model.state_dict(), file);
        using var writer = RunWriter.Open(StorePath);
        var runId = writer.CreateRun(new RunDescription("photos", "synthetic-shapes", ImageNetResNet18.ZooName, """{"Seed":0}""", s_classes, 1));
        var record = new CheckpointRecord(1, 4, true, checkpoints, CheckpointHash.Of(file), new FileInfo(file).Length, DateTime.UtcNow);
        writer.AddCheckpoint(runId, record);
        writer.EndRun(runId, RunStatus.Finished, null);
        return (runId, record);
    }

    /// <summary>Chelsea the cat (python3-skimage) as a 224x224 PNG upload, decoded as the page decodes it.</summary>
    private static UploadedImage Upload()
    {
        var path = SamplePhotos.Resolve("sample:chelsea");
        using var scope = torch.NewDisposeScope();
        var photo = torchvision.io.read_image(path, 3).permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0;
        var square = torch.nn.functional.interpolate(photo, new long[] { 224, 224 }).clamp(0, 1);
        var png = PngFile.Encode(Pixels.FromUnitRange(square).select(0, 0));
        return Uploads.DecodeImage("chelsea-224.png", png, 3);
    }

    [Fact]
    public async Task AnUploadedPhotoGetsEveryClassAgnosticViewOfTheImageNetNetwork()
    {
        var (runId, checkpoint) = StoreRun();
        using var store = new RunRepository(StorePath);
        var analysis = new PostHocAnalysis();
        // The run's model reads 224x224 pixels in [0, 1]: synthetic-shapes' own 32x32 and statistics would be wrong.
        var facts = analysis.FactsOf(store.Run(runId));
        Assert.Equal((224, 224, 3), (facts.Height, facts.Width, facts.Channels));
        Assert.All(facts.Normalization.Mean, m => Assert.Equal(0f, m));
        Assert.All(facts.Normalization.Std, s => Assert.Equal(1f, s));

        LayerView[] views =
        [
            new(LayerViews.Filters, null, null, 1),
            new(LayerViews.Maps, "layer1", null, 1),
            new(LayerViews.EigenCam, "layer4", null, 1),
            new(LayerViews.GuidedBackprop, "layer3", 7, 1),
            new(LayerViews.Maximize, "layer3", 7, 2),
        ];
        var request = new PostHocRequest(runId, [new ModelChoice(checkpoint, null)], ImageSource.Upload, 0, Upload(), ["gradcam"], "predicted", "jet") { Views = views };
        using var page = new PageComputation(_queue, action =>
        {
            action();
            return Task.CompletedTask;
        }, () => { });
        var outcome = await page.RunAsync("views", context => analysis.Explain(request, store, context)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(outcome.Succeeded, outcome.Message);
        var row = Assert.Single(outcome.Value!.Rows);
        Assert.Equal(["gradcam", "first-layer filters", "feature maps layer1", "eigencam layer4", "guided-backprop layer3 #7", "maximize layer3 #7"],
            row.Maps.Select(m => m.Method));
        Assert.Equal([false, true, true, true, true, true], row.Maps.Select(m => m.IsView));
        Assert.Null(row.Correct);

        long[] Shape(int k)
        {
            using var values = NpyFile.Decode(row.Maps[k].Npy);
            return values.shape;
        }
        Assert.Equal(new long[] { 224, 224 }, Shape(0));
        Assert.Equal(new long[] { 64, 56, 56 }, Shape(2));
        Assert.Equal(new long[] { 224, 224 }, Shape(3));
        Assert.Equal(new long[] { 3, 224, 224 }, Shape(4));
        Assert.Equal(new long[] { 3, 224, 224 }, Shape(5));
        // The filters in the photo's colours: the network's conv1 reads BGR, so the red tile channel is its input channel 2.
        using (var filters = NpyFile.Decode(row.Maps[1].Npy))
        {
            Assert.Equal(new long[] { 64, 3, 7, 7 }, filters.shape);
            using var red = filters.select(1, 0);
            using var readsRed = _conv1!.select(1, 2);
            Assert.True(red.equal(readsRed));
        }
        foreach (var map in row.Maps)
        {
            using var picture = torchvision.io.decode_image(map.Png, 3);
            Assert.True(picture.size(0) >= 56, $"{map.Method}: {string.Join("x", picture.shape)}");
        }
    }

    [Fact]
    public async Task AViewOfALayerTheModelLacksIsRefusedNamingTheLayers()
    {
        var (runId, checkpoint) = StoreRun();
        using var store = new RunRepository(StorePath);
        var analysis = new PostHocAnalysis();
        var request = new PostHocRequest(runId, [new ModelChoice(checkpoint, null)], ImageSource.Upload, 0, Upload(), [], "true", "jet")
        {
            Views = [new LayerView(LayerViews.Maps, "layer9", null, 1)],
        };
        using var page = new PageComputation(_queue, action =>
        {
            action();
            return Task.CompletedTask;
        }, () => { });
        var outcome = await page.RunAsync("views", context => analysis.Explain(request, store, context)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.False(outcome.Succeeded);
        Assert.IsType<ArgumentException>(outcome.Failure);
        Assert.StartsWith("resnet18-imagenet has no layer 'layer9'; its layers are preprocess, conv1, bn1, relu, maxpool, layer1, layer1.0,", outcome.Message);
        // A view needs no class, so "true" with an unlabelled upload is no reason to refuse; a view without its channel is.
        var e = Assert.Throws<ArgumentException>(() => LayerViews.Check(new LayerView(LayerViews.GuidedBackprop, "layer3", null, 1)));
        Assert.Equal("the guided-backprop view needs a channel of the layer", e.Message);
        e = Assert.Throws<ArgumentException>(() => LayerViews.Check(new LayerView(LayerViews.Maps, " ", null, 1)));
        Assert.Equal("the maps view needs a layer (a dotted path such as layer2 or features.3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => LayerViews.Check(new LayerView("histogram", "layer1", null, 1)));
        Assert.Equal("unknown view 'histogram': the views are filters, maps, eigencam, guided-backprop, maximize", e.Message);
    }
}
