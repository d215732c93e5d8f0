using CnnVis.Monitor.Store;
using CnnVis.Training.Loop;

namespace CnnVis.Monitor.Tests;

public sealed class MonitorRunTests : TempFolder
{
    // 4 steps per epoch: log-spaced snapshots at steps 1 and 2, then each epoch's end.
    private TrainingOptions Tiny(string dataset = "synthetic-shapes", int epochs = 2) => new()
    {
        Dataset = dataset, Model = "fashionnet", Epochs = epochs, BatchSize = 32, TrainLimit = 128, ValidationLimit = 48, Threads = 2, Seed = 11,
        OutputDirectory = Path.Combine(Folder, "run"),
    };

    private static MonitorOptions Everything => new() { ProbeCount = 3, TrustProbes = 2, Budget = 1.0 };

    [Fact]
    public void ARunRecordsSnapshotsCubeMetricsTrustAndCheckpoints()
    {
        long id;
        TrainingOutcome outcome;
        using (var monitor = TrainingMonitor.Open(StorePath, Everything))
        {
            outcome = new Trainer(Tiny(), monitor).Run();
            id = monitor.RunId;
            Assert.Equal(5, monitor.Report.Snapshots);
            // Every snapshot's phases are timed: the pass and the store write each time, drift from the second
            // snapshot on, trust at the start and at both epochs' ends.
            var phases = monitor.Report.Phases.ToDictionary(p => p.Phase);
            Assert.Equal((5, 5, 5, 4, 3), (phases["explain"].Snapshots, phases["layers"].Snapshots, phases["store"].Snapshots, phases["drift"].Snapshots, phases["trust"].Snapshots));
            Assert.All(phases.Values, p => Assert.True(p.WallMillisecondsMedian >= 0 && p.CpuMillisecondsMedian >= 0, $"{p.Phase}: {p}"));
            Assert.True(phases["explain"].WallMillisecondsMedian > 0 && monitor.Report.SnapshotCpuMillisecondsMedian > 0);
        }
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        using var reader = RunReader.Open(StorePath);
        var run = reader.Run(id);
        Assert.Equal((RunStatus.Finished, outcome.Message, 2, 2), (run.Status, run.Message, run.EpochsDone, run.EpochsPlanned));
        Assert.Equal(("synthetic-shapes", "fashionnet"), (run.Dataset, run.Model));

        // Before the first step, log-spaced steps 1 and 2, and both epochs' ends (the last one is also the end).
        var snapshots = reader.Snapshots(id);
        Assert.Equal([(0L, "start"), (1L, "schedule"), (2L, "schedule"), (4L, "epoch"), (8L, "epoch")], snapshots.Select(s => (s.Step, s.Reason)));
        Assert.All(snapshots, s => Assert.True(s.CostMilliseconds > 0));

        var probes = reader.Probes(id);
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal(("class", 3, 32, 32, 3 * 32 * 32), (p.Kind, p.Channels, p.Height, p.Width, p.Image.Length)));
        Assert.Equal(3, probes.Select(p => p.Label).Distinct().Count());

        // Default methods (the zoo's GAP + linear head allows CAM), true-class targets: the class is each probe's label.
        Assert.Equal([("cam", "true"), ("gradcam", "true"), ("guided-backprop", "true"), ("saliency", "true")], reader.MapKinds(id));
        var grid = reader.MapGrid(id, "gradcam", "true");
        Assert.All(grid.Cells.SelectMany(row => row), cell => Assert.NotNull(cell));
        Assert.Equal(probes.Select(p => p.Label), grid.Cells[3].Select(c => c!.Class));
        Assert.All(grid.Cells[0], c => Assert.Null(c!.DriftSpearman));
        Assert.All(grid.Cells.Skip(1).SelectMany(r => r), c => Assert.InRange(c!.DriftSpearman!.Value, -1, 1));
        Assert.All(grid.Cells.Skip(1).SelectMany(r => r), c => Assert.InRange(c!.DriftIou!.Value, 0, 1));
        var guided = reader.MapGrid(id, "guided-backprop", "true").Cells[4][0]!;
        Assert.Equal((3, 32, 32), (guided.Channels, guided.Height, guided.Width));

        var probabilities = reader.Probabilities(id, 4);
        Assert.Equal(3, probabilities.Count);
        Assert.All(probabilities, p => Assert.Equal(1.0, p.Probabilities.Sum(), 3));
        Assert.All(reader.ChannelWeights(id, 2), w => Assert.Equal(("features.16", 128), (w.Layer, w.Weights.Length)));
        Assert.Equal(5, reader.Filters(id).Count);
        Assert.Equal(("features.0", 32, 3, 3, 3), (reader.Filters(id)[0].Layer, reader.Filters(id)[0].Count, reader.Filters(id)[0].Channels, reader.Filters(id)[0].Height, reader.Filters(id)[0].Width));

        var layers = reader.LayerStatistics(id);
        var firstConv = layers.Where(l => l.Layer == "features.0.weight").ToList();
        Assert.Equal(5, firstConv.Count);
        Assert.Null(firstConv[0].UpdateRatio);
        Assert.Null(firstConv[0].GradientNorm);
        Assert.All(firstConv.Skip(1), l => Assert.True(l.UpdateRatio > 0 && l.GradientNorm > 0));
        Assert.All(firstConv, l => Assert.Equal(32 * 3 * 3 * 3, l.Histogram.Sum()));

        // Trust at the start and at each epoch's end; synthetic shapes have masks, so the pointing game too.
        var trust = reader.Trust(id);
        Assert.Equal([0, 3, 4], trust.Select(t => t.Snapshot).Distinct());
        Assert.Equal(4 * 3, trust.Count(t => t.Snapshot == 3));
        Assert.All(trust.Where(t => t.Metric != "deletion-auc"), t => Assert.InRange(t.Value, 0, 1));

        var cube = reader.Cube(id);
        Assert.Equal([1, 2], cube.Select(c => c.Epoch));
        Assert.All(cube, c => Assert.Equal(48, c.Count));
        Assert.Equal(outcome.LastEvaluation!.Predictions, cube[1].Predictions);
        Assert.Equal(outcome.LastEvaluation.TrueClassProbabilities, cube[1].TrueClassProbabilities);
        Assert.Equal(2, reader.ClassAccuracies(id).Count);

        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), reader.Metric(id, "train.loss").Steps);
        Assert.Equal(8, reader.Metric(id, "lr").Count);
        Assert.Equal([outcome.LastEvaluation.Accuracy], reader.Metric(id, "val.accuracy").Values.Skip(1));
        Assert.Equal(2, reader.Metric(id, "val.loss").Count);
        Assert.Equal(2, reader.Metric(id, "train.accuracy").Count);

        var checkpoints = reader.Checkpoints(id);
        Assert.Equal([1, 2], checkpoints.Select(c => c.Epoch));
        Assert.Equal(Path.GetFullPath(outcome.LastCheckpoint!.Directory), checkpoints[1].Path);
        foreach (var c in checkpoints) RunReader.VerifyCheckpoint(c);
    }

    [Fact]
    public void OverBudgetSnapshotsAreSkippedAndRecordedButTheFirstAndLastAreTaken()
    {
        long id;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions { ProbeCount = 2, Methods = ["saliency"], Budget = 1e-6, Schedule = SnapshotSchedule.EverySteps(1) }))
        {
            new Trainer(Tiny(epochs: 1), monitor).Run();
            id = monitor.RunId;
            Assert.Equal(2, monitor.Report.Snapshots);
            Assert.Equal(4, monitor.Report.Skipped);
        }
        using var reader = RunReader.Open(StorePath);
        Assert.Equal([(0L, "start"), (4L, "end")], reader.Snapshots(id).Select(s => (s.Step, s.Reason)));
        var skipped = reader.SkippedSnapshots(id);
        Assert.Equal([1L, 2L, 3L, 4L], skipped.Select(s => s.Step));
        Assert.All(skipped, s => Assert.StartsWith("budget: taking it would bring the monitor to ", s.Reason));
        Assert.All(skipped, s => Assert.EndsWith("of the run's wall time (projected from the steps so far), over its cap of 0.0%", s.Reason));
    }

    [Fact]
    public void TheMostConfidentlyWrongImagesJoinAtTheFirstEvaluationAndBothTargetsAreExplained()
    {
        long id;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions
               {
                   ProbeIndices = [0, 1], WrongProbes = 3, Methods = ["gradcam"], Targets = MonitorTargets.Both, Budget = 1, Schedule = SnapshotSchedule.EveryEpoch,
               }))
        {
            new Trainer(Tiny(dataset: "fashion-mnist", epochs: 2), monitor).Run();
            id = monitor.RunId;
        }
        using var reader = RunReader.Open(StorePath);
        var probes = reader.Probes(id);
        Assert.Equal(["explicit", "explicit", "wrong", "wrong", "wrong"], probes.Select(p => p.Kind));
        Assert.Equal([0, 1], probes.Take(2).Select(p => p.DatasetIndex));
        Assert.Equal([0L, 0L, 4L, 4L, 4L], probes.Select(p => p.AddedAtStep));
        // The wrong ones were wrong at the first evaluation, most confident first.
        var first = reader.Cube(id)[0];
        var wrong = probes.Skip(2).Select(p => Array.IndexOf(first.DatasetIndices, p.DatasetIndex)).ToArray();
        Assert.All(wrong, k => Assert.NotEqual(first.Labels[k], first.Predictions[k]));

        var truth = reader.MapGrid(id, "gradcam", "true");
        var predicted = reader.MapGrid(id, "gradcam", "predicted");
        Assert.Equal([2, 5, 5], truth.Cells.Select(r => r.Count(c => c is not null)));
        Assert.Equal(probes.Select(p => p.Label), truth.Cells[2].Select(c => c!.Class));
        var probabilities = reader.Probabilities(id, 2);
        Assert.Equal(probabilities.Select(p => Array.IndexOf(p.Probabilities, p.Probabilities.Max())), predicted.Cells[2].Select(c => c!.Class));
        // The wrong probes have no map at the earlier snapshot to drift from: only the first two compare.
        Assert.All(truth.Cells[1].Take(2), c => Assert.NotNull(c!.DriftSpearman));
        Assert.All(truth.Cells[1].Skip(2), c => Assert.Null(c!.DriftSpearman));
        Assert.Equal(10, reader.ChannelWeights(id, 2).Count);
        // Fashion-MNIST has no masks: deletion AUC only.
        Assert.Equal(["deletion-auc"], reader.Trust(id).Select(t => t.Metric).Distinct());
    }

    /// <summary>Cancels training after a given step (as Ctrl+C does), so the trainer saves a mid-epoch checkpoint.</summary>
    private sealed class StopAfter(long step, CancellationTokenSource stop) : TrainingCallback
    {
        public override void OnBatchEnd(TrainingContext context, BatchEnd batch)
        {
            if (batch.Step == step) stop.Cancel();
        }
    }

    [Fact]
    public void AResumedRunContinuesTheSameRunRecordFromItsCheckpoint()
    {
        var options = Tiny(epochs: 2);
        var monitorOptions = new MonitorOptions { ProbeCount = 2, Methods = ["saliency"], Budget = 1, Schedule = SnapshotSchedule.EverySteps(1) };
        long id;
        using (var stop = new CancellationTokenSource())
        using (var monitor = TrainingMonitor.Open(StorePath, monitorOptions))
        {
            var first = new Trainer(options, monitor, new StopAfter(5, stop)).Run(stop.Token);
            Assert.Equal(TrainingStatus.Cancelled, first.Status);
            id = monitor.RunId;
        }
        using (var reader = RunReader.Open(StorePath)) Assert.Equal(RunStatus.Interrupted, reader.Run(id).Status);

        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        Assert.Equal(5, checkpoint.Step);
        using (var monitor = TrainingMonitor.Open(StorePath, monitorOptions))
        {
            var second = new Trainer(options, monitor).Run(resume: checkpoint);
            Assert.Equal(TrainingStatus.Completed, second.Status);
            Assert.Equal(id, monitor.RunId);
        }
        using var store = RunReader.Open(StorePath);
        var run = Assert.Single(store.Runs());
        Assert.Equal((RunStatus.Finished, 2), (run.Status, run.EpochsDone));
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), store.Metric(id, "train.loss").Steps);
        // Start, steps 1-5 before the stop (its checkpoint is at step 5), the resume at step 5, then steps 6 to 8.
        Assert.Equal([(0L, "start"), (1, "schedule"), (2, "schedule"), (3, "schedule"), (4, "schedule"), (5, "schedule"), (5, "resume"), (6, "schedule"), (7, "schedule"), (8, "schedule")],
            store.Snapshots(id).Select(s => (s.Step, s.Reason)));
        Assert.Equal(2, store.Probes(id).Count);
        Assert.Equal([1, 2], store.Cube(id).Select(c => c.Epoch));
    }

    [Fact]
    public void AStoreThatFillsUpStopsTrainingWithAClearErrorAndKeepsWhatItHad()
    {
        using var writer = RunWriter.Open(StorePath);
        // Room for the run and a few snapshots, not for the whole run: the "disk" fills part-way.
        writer.LimitPages(60);
        TrainingOutcome outcome;
        using (var monitor = new TrainingMonitor(writer, new MonitorOptions { ProbeCount = 3, Methods = ["saliency", "guided-backprop"], Budget = 1, Schedule = SnapshotSchedule.EverySteps(1) }))
        {
            outcome = new Trainer(Tiny(epochs: 2), monitor).Run();
        }
        Assert.Equal(TrainingStatus.CallbackFailed, outcome.Status);
        Assert.StartsWith($"callback 'monitor' failed in OnBatchEnd: {StorePath}: the run store is full (no space left on the disk, or its size limit reached): could not ", outcome.Message);
        Assert.EndsWith("; nothing of it was written", outcome.Message);
        using var reader = RunReader.Open(StorePath);
        var run = Assert.Single(reader.Runs());
        var snapshots = reader.Snapshots(run.Id);
        Assert.NotEmpty(snapshots);
        // Every snapshot that went in is whole.
        foreach (var method in new[] { "saliency", "guided-backprop" })
            Assert.All(reader.MapGrid(run.Id, method, "true").Cells, row => Assert.Equal(3, row.Count(c => c is not null)));
        // Training itself stopped cleanly: the epoch-1 checkpoint, if it was reached, is whole on disk.
        if (outcome.LastCheckpoint is { } c) Assert.True(File.Exists(Path.Combine(c.Directory, Checkpoint.ModelFile)));
    }
}
