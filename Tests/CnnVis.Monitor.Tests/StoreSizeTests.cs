using System.Globalization;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Targets;
using Xunit.Abstractions;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// The size target: a 30-epoch FashionNet run on Fashion-MNIST with a snapshot every epoch (the untrained one
/// and 30 more; 64 probes, CAM, Grad-CAM, saliency and guided backprop, true-class targets) stores under 50 MB,
/// checkpoints excluded. Written here through <see cref="RunWriter"/> with records of the real shapes: maps from one
/// real pass over 64 Fashion-MNIST probes, FashionNet's filters and layers, the full 10,000-image validation cube
/// every epoch and a loss and learning rate for each of the 469 steps of every epoch.
/// </summary>
public sealed class StoreSizeTests(ITestOutputHelper output) : TempFolder
{
    private const int Probes = 64;
    private const int Epochs = 30;
    private const int StepsPerEpoch = 469;                 // 60,000 training images in batches of 128
    private const int ValidationImages = 10_000;
    private static readonly string[] s_methods = ["cam", "gradcam", "saliency", "guided-backprop"];

    [Fact]
    public void AThirtyEpochRunWithASnapshotEveryEpochStoresUnderFiftyMegabytes()
    {
        torch.set_num_threads(2);
        var validation = Datasets.Create("fashion-mnist", train: false);
        using var model = ModelZoo.Create("fashionnet", 1, 10);
        using var probes = ProbeSet.Select(validation, Probes);
        using var set = new ExplanationPass(ExplanationMethods.CreateMany(s_methods)).Run(model, probes.Images, new TrueLabel(probes.Labels));
        var snapshot = Snapshot(model, set);
        Assert.Equal(Probes * s_methods.Length, snapshot.Maps.Count);
        Assert.Equal(Probes * 2, snapshot.Maps.Count(m => m.Natural is { Height: 7, Width: 7 }));

        long id;
        var random = new Random(3);
        using (var writer = RunWriter.Open(StorePath))
        {
            id = writer.CreateRun(new RunDescription("size", "fashion-mnist", "fashionnet", "{}", validation.ClassNames.ToArray(), Epochs));
            writer.AddProbes(id, ProbeRecords(probes));
            writer.WriteSnapshot(id, snapshot with { Step = 0, Epoch = 0, Reason = "start" });
            for (var epoch = 1; epoch <= Epochs; epoch++)
            {
                long last = epoch * StepsPerEpoch;
                var steps = Enumerable.Range(1, StepsPerEpoch).Select(k => last - StepsPerEpoch + k).ToList();
                writer.AddMetrics(id, [.. steps.Select(s => new MetricPoint("train.loss", s, epoch, random.NextDouble())), .. steps.Select(s => new MetricPoint("lr", s, epoch, 1e-3))]);
                var cube = new CubeSlice(epoch, last, Enumerable.Range(0, ValidationImages).ToArray(), Enumerable.Range(0, ValidationImages).Select(i => i % 10).ToArray(),
                    Enumerable.Range(0, ValidationImages).Select(_ => random.Next(10)).ToArray(), Enumerable.Range(0, ValidationImages).Select(_ => random.NextSingle()).ToArray());
                writer.WriteEpoch(id, new EpochRecord(cube, [new MetricPoint("val.loss", last, epoch, 0.3), new MetricPoint("val.accuracy", last, epoch, 0.9)],
                    Enumerable.Range(0, 10).Select(_ => random.NextDouble()).ToArray()));
                writer.AddMetrics(id, [new MetricPoint("train.epoch-loss", last, epoch, 0.3), new MetricPoint("train.accuracy", last, epoch, 0.9)]);
                writer.WriteSnapshot(id, snapshot with { Step = last, Epoch = epoch, Reason = "epoch" });
            }
        }

        using (var reader = RunReader.Open(StorePath))
        {
            Assert.Equal(Epochs + 1, reader.Snapshots(id).Count);
            Assert.Equal(Epochs, reader.Cube(id).Count);
            Assert.Equal(Epochs * StepsPerEpoch, reader.Metric(id, "train.loss").Steps.Length);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The database and whatever of its write-ahead log was not folded back in.
        var bytes = new FileInfo(StorePath).Length + (File.Exists(StorePath + "-wal") ? new FileInfo(StorePath + "-wal").Length : 0);
        var megabytes = bytes / 1e6;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"30 epochs, {Epochs + 1} snapshots of {Probes} probes x {s_methods.Length} methods: {megabytes:F1} MB ({bytes} bytes)"));
        Assert.True(megabytes < 50, string.Create(CultureInfo.InvariantCulture, $"the store holds {megabytes:F1} MB, over the 50 MB target"));
    }

    // One snapshot's records at FashionNet's real shapes, from a real pass.
    private static SnapshotRecord Snapshot(Module model, ExplanationSet set)
    {
        var classes = set.Classes.data<long>();
        var maps = new List<MapRecord>();
        foreach (var method in s_methods)
        {
            var map = set[method];
            var shape = map.shape;
            var (channels, height, width) = shape.Length == 4 ? ((int)shape[1], (int)shape[2], (int)shape[3]) : (1, (int)shape[1], (int)shape[2]);
            var values = map.data<float>();
            var length = channels * height * width;
            float[]? natural = null;
            long[] grid = [];
            if (set.Reports.TryGetValue($"{method}.{CamMethod.LayerMapReport}", out var layer))
            {
                natural = layer.data<float>();
                grid = layer.shape;
            }
            for (var n = 0; n < Probes; n++)
            {
                maps.Add(new MapRecord(n, method, "true", (int)classes[n], channels, height, width, values.AsSpan(n * length, length).ToArray(), 0.5, 0.5)
                {
                    Natural = natural is null ? null : new NaturalMap((int)grid[1], (int)grid[2], natural.AsSpan(n * (int)(grid[1] * grid[2]), (int)(grid[1] * grid[2])).ToArray()),
                });
            }
        }
        using var softmax = torch.softmax(set.Logits, 1);
        var p = softmax.data<float>();
        using var filters = FirstLayerFilters.Of(model);
        var f = filters.shape;
        var explained = ((IExplainableModel)model).ExplanationLayer;
        var layerChannels = (int)model.named_parameters().Last(x => x.name.EndsWith(".weight", StringComparison.Ordinal)).parameter.size(1);
        return new SnapshotRecord(0, 0, "epoch", 100)
        {
            Maps = maps,
            Probabilities = Enumerable.Range(0, Probes).Select(n => new ProbeProbabilities(n, p.AsSpan(n * 10, 10).ToArray())).ToList(),
            ChannelWeights = Enumerable.Range(0, Probes).Select(n => new ChannelWeights(n, "true", explained, StoreSamples.Ramp(layerChannels, n, 0.01f))).ToList(),
            Filters = new FilterImage(FirstLayerFilters.PathOf(model), (int)f[0], (int)f[1], (int)f[2], (int)f[3], filters.data<float>()),
            Layers = model.named_parameters().Select(x => new LayerStatistics(x.name, 1.5, 0.01, 0.2, -1, 1, new int[32])).ToList(),
            Trust = s_methods.Select(m => new TrustScore(m, "true", "deletion-auc", 0.3)).ToList(),
        };
    }

    private static List<ProbeRecord> ProbeRecords(ProbeSet probes)
    {
        var shape = probes.Display.shape;
        var length = (int)(shape[1] * shape[2] * shape[3]);
        return Enumerable.Range(0, probes.Count)
            .Select(n => new ProbeRecord(n, probes.Indices[n], probes.Labels[n], "class", 0, (int)shape[1], (int)shape[2], (int)shape[3], new byte[length])).ToList();
    }
}
