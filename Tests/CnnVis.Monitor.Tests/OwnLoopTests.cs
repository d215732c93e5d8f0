using System.Runtime.CompilerServices;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Torch.Optim;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using MyCnn = CnnVis.Monitor.Tests.OwnCnn;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// Both ways a user's own model gets monitored: the README's loop of one's own, run here line for line (a test
/// checks the README shows exactly these lines), and a user's model given to our <see cref="Trainer"/>.
/// </summary>
public sealed class OwnLoopTests : TempFolder
{
    private static readonly ImageDataset s_train = Subset.First(Datasets.Create("fashion-mnist", train: true), 96);
    private static readonly ImageDataset s_validation = Subset.First(Datasets.Create("fashion-mnist", train: false), 40);

    private const string Begin = "// README: own loop begins";
    private const string End = "// README: own loop ends";

    private static long ReadmeLoop(ImageDataset train, ImageDataset validation, string storePath)
    {
        // README: own loop begins
        using var monitor = TrainingMonitor.Open(storePath, new MonitorOptions { ProbeCount = 16 });
        using var model = new MyCnn();                                 // your Module, implementing IExplainableModel
        using var optimizer = new Adam(model.parameters(), 1e-3);
        using var loader = new DataLoader(train, 32, shuffle: true, seed: 0);
        using var validationLoader = new DataLoader(validation, 256, shuffle: false, seed: 0);
        monitor.BeginRun(model, validation, "my run", epochs: 2, loader.BatchCount);   // snapshot of the untrained model
        long step = 0;
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            loader.SetEpoch(epoch);
            model.train();
            foreach (var batch in loader)
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = torch.nn.functional.cross_entropy(model.call(batch.Images), batch.Labels);
                loss.backward();
                optimizer.step();
                monitor.AfterStep(epoch, ++step, loss.item<double>(), optimizer.LearningRate);   // snapshots on schedule
            }
            monitor.AfterEvaluation(Trainer.Evaluate(model, validationLoader, epoch, step, model.NumClasses));
        }
        monitor.EndRun(RunStatus.Finished);                            // the last snapshot; the run reads as finished
        // README: own loop ends
        return monitor.RunId;
    }

    [Fact]
    public void TheReadmeLoopRecordsTheRunItsMetricsAndSnapshots()
    {
        torch.set_num_threads(2);
        var id = ReadmeLoop(s_train, s_validation, StorePath);

        using var reader = RunReader.Open(StorePath);
        var run = Assert.Single(reader.Runs());
        Assert.Equal(id, run.Id);
        Assert.Equal(("my run", RunStatus.Finished, "fashion-mnist", typeof(OwnCnn).FullName, 2, 2),
            (run.Name, run.Status, run.Dataset, run.Model, run.EpochsDone, run.EpochsPlanned));
        Assert.Equal(s_validation.ClassNames, run.ClassNames);

        // 96 images in batches of 32: 3 steps an epoch, each with its loss and learning rate.
        Assert.Equal([1L, 2, 3, 4, 5, 6], reader.Metric(id, "train.loss").Steps);
        Assert.Equal(Enumerable.Repeat(1e-3, 6), reader.Metric(id, "lr").Values);
        Assert.Equal([3L, 6], reader.Metric(id, "val.accuracy").Steps);
        Assert.All(reader.Cube(id), slice => Assert.Equal(40, slice.Count));
        Assert.Equal(2, reader.Cube(id).Count);

        // The untrained model and the end are always snapshotted; every other planned one is taken or recorded as skipped
        // (the budget: on 3-step epochs a snapshot costs more than 5% of the run).
        var snapshots = reader.Snapshots(id);
        Assert.Equal((0L, "start"), (snapshots[0].Step, snapshots[0].Reason));
        Assert.Equal(6L, snapshots[^1].Step);
        Assert.Contains(snapshots[^1].Reason, new[] { "epoch", "end" });
        var planned = new long[] { 1, 2, 3, 6 };   // log-spaced over the first epoch (steps 1, 2), then each epoch's end
        var accounted = snapshots.Select(s => s.Step).Concat(reader.SkippedSnapshots(id).Select(s => s.Step)).ToHashSet();
        Assert.All(planned, step => Assert.Contains(step, accounted));
        Assert.Equal(16, reader.Probes(id).Count);
        foreach (var kind in new[] { "cam", "gradcam", "saliency", "guided-backprop" })
        {
            var grid = reader.MapGrid(id, kind, "true");
            Assert.Equal(snapshots.Count, grid.Cells.Length);
            Assert.All(grid.Cells, row => Assert.All(row, cell => Assert.True(cell is { Height: 28, Width: 28 }, $"{kind}: a missing or misshaped map")));
        }
        Assert.Equal(snapshots.Count, reader.Filters(id).Count);
    }

    [Fact]
    public void TheReadmeShowsExactlyTheLoopThisTestRuns()
    {
        // The markers as lines of their own (their declarations above end otherwise).
        var source = Lines(File.ReadAllText(ThisFile()), Begin + "\n", End + "\n");
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.Contains("<!-- own loop: Tests/CnnVis.Monitor.Tests/OwnLoopTests.cs -->", readme, StringComparison.Ordinal);
        var shown = Lines(readme, "<!-- own loop: Tests/CnnVis.Monitor.Tests/OwnLoopTests.cs -->", "```\n\n");
        Assert.Equal(source, shown.Where(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList());
        Assert.InRange(source.Count, 15, 25);
    }

    [Fact]
    public void AUserModelGivenToTheTrainerIsMonitoredUnderItsTypeName()
    {
        using var model = new OwnCnn();
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Threads = 2, Seed = 3, OutputDirectory = Path.Combine(Folder, "run") };
        long id;
        TrainingOutcome outcome;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions { ProbeCount = 4, Budget = 1, Schedule = SnapshotSchedule.EveryEpoch }))
        {
            outcome = new Trainer(options, monitor) { Model = model, TrainData = s_train, ValidationData = s_validation }.Run();
            id = monitor.RunId;
        }
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        using var reader = RunReader.Open(StorePath);
        var run = reader.Run(id);
        Assert.Equal((RunStatus.Finished, "fashion-mnist", typeof(OwnCnn).FullName), (run.Status, run.Dataset, run.Model));
        Assert.Equal([0L, 3], reader.Snapshots(id).Select(s => s.Step));
        Assert.Equal(4, reader.MapGrid(id, "gradcam", "true").Cells[1].Count(c => c is not null));
        var checkpoint = Assert.Single(reader.Checkpoints(id));
        RunReader.VerifyCheckpoint(checkpoint);
        Assert.Equal(typeof(OwnCnn).FullName, Checkpoint.Read(checkpoint.Path).ModelType);
    }

    [Fact]
    public void AModelThatReadsBgrHasItsFirstLayerFiltersStoredInTheImagesColours()
    {
        // As ML.NET's ImageNet ResNet-18 does: the first convolution's input channel 0 reads the image's blue.
        var validation = Datasets.Create("synthetic-shapes?size=16&count=24", train: false);
        using var model = new OwnCnn(validation.ClassNames.Count, inChannels: 3, firstConvolutionChannels: [2, 1, 0]);
        long id;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions { ProbeCount = 4, Methods = ["gradcam"] }))
        {
            id = monitor.BeginRun(model, validation, "bgr", epochs: 1);
            monitor.EndRun(RunStatus.Finished);
        }
        using var reader = RunReader.Open(StorePath);
        var filters = reader.Filters(id)[0];
        Assert.Equal((8, 3, 3, 3), (filters.Count, filters.Channels, filters.Height, filters.Width));
        using var stored = torch.tensor(filters.Weights).reshape(8, 3, 3, 3);
        using var weight = model.get_submodule("features.0") is Torch.Modules.Conv2d conv ? conv.weight.detach() : throw new InvalidOperationException();
        for (var c = 0; c < 3; c++)
        {
            using var shown = stored.select(1, c);
            using var read = weight.select(1, 2 - c);
            Assert.True(shown.allclose(read, 0, 0), $"the stored filters' image channel {c} is the convolution's input channel {2 - c}");
        }
    }

    // The lines between two markers, each trimmed, blank ones left out.
    private static List<string> Lines(string text, string from, string to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"marker '{from}' not found");
        start += from.Length;
        var end = text.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end >= 0, $"marker '{to}' not found");
        return text[start..end].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepositoryRoot()
    {
        var dir = Path.GetDirectoryName(ThisFile());
        while (dir is not null && !File.Exists(Path.Combine(dir, "CnnVis.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("the repository root (CnnVis.sln) was not found above this test's source");
    }
}
