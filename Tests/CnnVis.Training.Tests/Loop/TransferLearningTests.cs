using System.Diagnostics;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Training.Tests.Data;
using Xunit.Abstractions;

namespace CnnVis.Training.Tests.Loop;

/// <summary>A new head on the frozen ImageNet ResNet-18, trained on a small folder of two classes made here.</summary>
[Collection(TrainingRunCollection.Name)]
public sealed class TransferLearningTests : IDisposable
{
    private const int Side = 64;
    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public TransferLearningTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AHeadOnTheFrozenBackboneLearnsTwoVisuallyDistinctClasses()
    {
        // Warm, round things against cool, striped things: backgrounds, positions and sizes vary.
        var random = new Random(3);
        foreach (var (split, count) in new[] { ("train", 8), ("test", 6) })
        {
            for (var k = 0; k < count; k++)
            {
                WriteImage($"{split}/discs/{k}.png", random, discs: true);
                WriteImage($"{split}/stripes/{k}.png", random, discs: false);
            }
        }
        var options = new TrainingOptions
        {
            Dataset = $"folder:{_dir.Path}?size={Side}", Model = ImageNetResNet18.ZooName, Epochs = 30, BatchSize = 8,
            LearningRate = 3e-3, Seed = 1, Threads = 2,
        };
        var epochs = new List<EpochSummary>();
        var recorder = new EpochRecorder(epochs);
        var clock = Stopwatch.StartNew();
        var outcome = new Trainer(options, recorder).Run();
        clock.Stop();

        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        var accuracy = outcome.LastEvaluation!.Accuracy;
        _output.WriteLine($"test accuracy {accuracy:P1} after {options.Epochs} epochs; the run took {clock.Elapsed.TotalSeconds:F1} s; " +
            $"an epoch of the head: {epochs.Skip(1).Average(e => e.Elapsed.TotalMilliseconds):F1} ms");
        // Measured: 12 of 12 test images right; chance is 50%.
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy:P1}");
        // The backbone's features were computed once before the first epoch: no epoch, training or validating, ran the backbone.
        Assert.Equal(30, epochs.Count);
        Assert.Equal(0, recorder.BackboneCallsDuringEpochs);
    }

    [Fact]
    public void FineTuningLayer4TrainsItAndItsBatchNormsWhileEarlierStagesStayFrozen()
    {
        using var model = ImageNetResNet18.Load(2);
        model.FineTune = "layer4";
        model.train();
        Assert.False(model.BodyIsFrozen);
        Assert.All(model.named_parameters(), p =>
            Assert.Equal(p.name.StartsWith("layer4.") || p.name.StartsWith("classifier."), p.parameter.requires_grad));
        Assert.True(model.get_submodule("layer4.0.bn1").training);
        Assert.False(model.get_submodule("layer3.1.bn2").training);
        Assert.False(model.get_submodule("bn1").training);

        model.FineTune = "none";
        model.train();
        Assert.True(model.BodyIsFrozen);
        Assert.False(model.get_submodule("layer4.0.bn1").training);
        Assert.True(model.get_submodule("classifier").training);
        var e = Assert.Throws<ArgumentException>(() => model.FineTune = "layer3");
        Assert.Equal("cannot fine-tune 'layer3' of resnet18-imagenet: choose one of none, layer4, all", e.Message);
    }

    [Fact]
    public void FineTuningIsRefusedForAModelWithoutAPretrainedBackbone()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainingOptions { Model = "resnet-small", FineTune = "layer4" }.Validate());
        Assert.Equal("--fine-tune layer4 needs a pretrained backbone (resnet18-imagenet); resnet-small trains all its layers (Parameter 'FineTune')", e.Message);
    }

    private void WriteImage(string relative, Random random, bool discs)
    {
        var pixels = new byte[Side * Side * 3];
        var background = random.Next(40, 120);
        var (cx, cy, r) = (random.Next(16, 48), random.Next(16, 48), random.Next(8, 16));
        var period = random.Next(4, 9);
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var at = (y * Side + x) * 3;
                (byte red, byte green, byte blue) colour = ((byte)background, (byte)background, (byte)background);
                if (discs && (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) colour = (230, (byte)random.Next(80, 140), 30);
                if (!discs && (x + y) / period % 2 == 0) colour = (20, (byte)random.Next(120, 200), 220);
                (pixels[at], pixels[at + 1], pixels[at + 2]) = colour;
            }
        }
        using var image = torch.tensor<byte>(pixels, new long[] { Side, Side, 3 });
        torchvision.io.write_png(image, _dir.File(relative));
    }

    // Records epochs, and counts the backbone's forwards (its first stage's) from the first epoch on.
    private sealed class EpochRecorder(List<EpochSummary> epochs) : TrainingCallback
    {
        private IDisposable? _hook;

        public int BackboneCallsDuringEpochs { get; private set; }

        public override void OnTrainBegin(TrainingContext context) =>
            _hook = context.Model.get_submodule("layer1").register_forward_hook((_, _, _) =>
            {
                BackboneCallsDuringEpochs++;
                return null;
            });

        public override void OnEpochEnd(TrainingContext context, EpochSummary summary) => epochs.Add(summary);

        public override void OnTrainEnd(TrainingContext context, TrainingOutcome outcome) => _hook?.Dispose();
    }
}
