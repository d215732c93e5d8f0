using CnnVis.Monitor.Store;

namespace CnnVis.Monitor.Tests;

public sealed class StoreRoundTripTests : TempFolder
{
    [Fact]
    public void EveryRecordReadsBackAsWritten()
    {
        long id;
        var snapshot = StoreSamples.Snapshot(step: 0, epoch: 0);
        var second = StoreSamples.Snapshot(step: 10, epoch: 1, drift: true);
        var cube = new CubeSlice(1, 10, [5, 6, 7], [0, 1, 2], [0, 2, 2], [0.9f, 0.1f, 0.75f]);
        var checkpoint = new CheckpointRecord(1, 10, true, "/tmp/x/checkpoints/epoch-0001", "ab12", 1234, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        using (var writer = RunWriter.Open(StorePath))
        {
            id = writer.CreateRun(StoreSamples.Run());
            writer.AddProbes(id, [StoreSamples.Probe(0), StoreSamples.Probe(1, "wrong")]);
            Assert.Equal(0, writer.WriteSnapshot(id, snapshot));
            Assert.Equal(1, writer.WriteSnapshot(id, second));
            writer.RecordSkippedSnapshot(id, 5, 1, "budget: over");
            writer.AddMetrics(id, [new MetricPoint("train.loss", 1, 1, 2.5), new MetricPoint("train.loss", 2, 1, 2.25), new MetricPoint("lr", 1, 1, 1e-3)]);
            writer.WriteEpoch(id, new EpochRecord(cube, [new MetricPoint("val.accuracy", 10, 1, 0.625)], [1.0, double.NaN, 0.5]));
            writer.AddCheckpoint(id, checkpoint);
        }

        using var reader = RunReader.Open(StorePath);
        var run = reader.Run(id);
        Assert.Equal(("shapes-fashionnet", RunStatus.Running, "synthetic-shapes", "fashionnet"), (run.Name, run.Status, run.Dataset, run.Model));
        Assert.Equal(["circle", "square", "triangle"], run.ClassNames);
        Assert.Equal("""{"Epochs":2,"Seed":7}""", run.Configuration);
        Assert.Equal((2, 1, 0.625, 2, "/tmp/nowhere"), (run.EpochsPlanned, run.EpochsDone, run.BestAccuracy, run.Snapshots, run.CheckpointDirectory));
        Assert.Equal(Environment.ProcessId, run.OwnerProcessId);
        Assert.Equal([id], reader.Runs().Select(r => r.Id));

        Assert.Equal([StoreSamples.Probe(0).Image, StoreSamples.Probe(1).Image], reader.Probes(id).Select(p => p.Image));
        Assert.Equal(["class", "wrong"], reader.Probes(id).Select(p => p.Kind));
        Assert.Equal([101], reader.Probes(id).Skip(1).Select(p => p.DatasetIndex));

        var snapshots = reader.Snapshots(id);
        Assert.Equal([(0, 0L, 0), (1, 10L, 1)], snapshots.Select(s => (s.Sequence, s.Step, s.Epoch)));
        Assert.Equal(12.5, snapshots[0].CostMilliseconds);
        Assert.Equal([(5L, 1, "budget: over")], reader.SkippedSnapshots(id).Select(s => (s.Step, s.Epoch, s.Reason)));

        foreach (var written in second.Maps)
        {
            var stored = reader.Map(id, 1, written.Probe, written.Method, written.Target)!;
            Assert.Equal((written.Class, written.Channels, written.Height, written.Width), (stored.Class, stored.Channels, stored.Height, stored.Width));
            Assert.Equal((written.DriftSpearman, written.DriftIou), (stored.DriftSpearman, stored.DriftIou));
            var values = stored.Values();
            var range = written.Values.Max() - written.Values.Min();
            // 16-bit codes: within half a step of the map's own range, and the extremes exact up to float rounding.
            for (var i = 0; i < values.Length; i++) Assert.True(Math.Abs(values[i] - written.Values[i]) <= range / 65535.0 / 2 + 1e-6, $"value {i}");
            Assert.Equal(written.Values.Min(), values.Min(), 6);
        }
        Assert.Null(reader.Map(id, 1, 5, "gradcam", "true"));

        Assert.Equal(second.Probabilities.Select(p => p.Probabilities), reader.Probabilities(id, 1).Select(p => p.Probabilities));
        Assert.Equal(second.ChannelWeights.Select(w => w.Weights), reader.ChannelWeights(id, 1).Select(w => w.Weights));
        Assert.Equal(["features.16", "features.16"], reader.ChannelWeights(id, 1).Select(w => w.Layer));
        var filters = reader.Filters(id);
        Assert.Equal([0, 1], filters.Select(f => f.Snapshot));
        Assert.Equal(second.Filters!.Weights, filters[1].Weights);
        Assert.Equal((2, 3, 3, 3, 10L), (filters[1].Count, filters[1].Channels, filters[1].Height, filters[1].Width, filters[1].Step));

        var layers = reader.LayerStatistics(id);
        Assert.Equal(4, layers.Count);
        var l = layers[2];
        Assert.Equal(("features.0.weight", 1, 10L, 3.5, (double?)0.01, (double?)0.2, -1.25, 1.5), (l.Layer, l.Snapshot, l.Step, l.WeightNorm, l.UpdateRatio, l.GradientNorm, l.HistogramMin, l.HistogramMax));
        Assert.Equal([1, 2, 3, 4], l.Histogram);
        Assert.Null(layers[0].UpdateRatio);

        Assert.Equal([(0, "deletion-auc", 0.31), (0, "pointing-game", 0.75), (1, "deletion-auc", 0.31), (1, "pointing-game", 0.75)],
            reader.Trust(id).Select(t => (t.Snapshot, t.Metric, t.Value)));

        var loss = reader.Metric(id, "train.loss");
        Assert.Equal([1L, 2L], loss.Steps);
        Assert.Equal([2.5, 2.25], loss.Values);
        Assert.Equal(["lr", "train.loss", "val.accuracy"], reader.MetricNames(id));
        Assert.Empty(reader.Metric(id, "nothing").Values);

        var slice = Assert.Single(reader.Cube(id));
        Assert.Equal((cube.Epoch, cube.Step), (slice.Epoch, slice.Step));
        Assert.Equal(cube.DatasetIndices, slice.DatasetIndices);
        Assert.Equal(cube.Labels, slice.Labels);
        Assert.Equal(cube.Predictions, slice.Predictions);
        Assert.Equal(cube.TrueClassProbabilities, slice.TrueClassProbabilities);
        var perClass = Assert.Single(reader.ClassAccuracies(id));
        Assert.Equal(1.0, perClass.Accuracies[0]);
        Assert.True(double.IsNaN(perClass.Accuracies[1]));

        Assert.Equal([checkpoint], reader.Checkpoints(id));
    }

    [Fact]
    public void TheMapGridHoldsProbesBySnapshotsFromOneQuery()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        writer.AddProbes(id, [StoreSamples.Probe(0), StoreSamples.Probe(1), StoreSamples.Probe(2)]);
        writer.WriteSnapshot(id, StoreSamples.Snapshot(0, 0, probes: 2));
        writer.WriteSnapshot(id, StoreSamples.Snapshot(4, 1, probes: 3));
        var other = writer.CreateRun(StoreSamples.Run("other"));
        writer.WriteSnapshot(other, StoreSamples.Snapshot(0, 0, probes: 3));

        using var reader = RunReader.Open(StorePath);
        var grid = reader.MapGrid(id, "gradcam", "true");
        Assert.Equal([0L, 4L], grid.Snapshots.Select(s => s.Step));
        Assert.Equal([0, 1, 2], grid.Probes);
        Assert.Equal(2, grid.Cells.Length);
        Assert.Null(grid.Cells[0][2]);
        Assert.All(grid.Cells[1], Assert.NotNull);
        Assert.Equal(StoreSamples.Ramp(16, 1 - 1.5f, 0.37f).Min(), grid.Cells[1][1]!.Values().Min(), 5);
        Assert.Equal([("gradcam", "true"), ("guided-backprop", "true")], reader.MapKinds(id));
        Assert.Empty(reader.MapGrid(id, "saliency", "true").Cells.SelectMany(r => r).OfType<StoredMap>());
    }

    [Fact]
    public void ConstantAndNonFiniteMapsAreStoredWithoutError()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        writer.WriteSnapshot(id, new SnapshotRecord(0, 0, "start", 1)
        {
            Maps = [new MapRecord(0, "cam", "true", 0, 1, 1, 3, [2f, 2f, 2f]), new MapRecord(1, "cam", "true", 0, 1, 1, 3, [float.NaN, 1f, 3f])],
        });
        using var reader = RunReader.Open(StorePath);
        Assert.Equal([2f, 2f, 2f], reader.Map(id, 0, 0, "cam", "true")!.Values());
        Assert.Equal([1f, 1f, 3f], reader.Map(id, 0, 1, "cam", "true")!.Values());
    }

    [Fact]
    public void ChangeCounterAndDataVersionMoveWhenAnotherConnectionWrites()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        using var reader = RunReader.Open(StorePath);
        var counter = reader.ChangeCounter(id);
        var version = reader.DataVersion();
        Assert.Equal(counter, reader.ChangeCounter(id));
        Assert.Equal(version, reader.DataVersion());
        writer.AddMetrics(id, [new MetricPoint("lr", 1, 1, 0.1)]);
        Assert.True(reader.ChangeCounter(id) > counter);
        Assert.NotEqual(version, reader.DataVersion());
    }

    [Fact]
    public void EndingARunRecordsItsStatusAndMessage()
    {
        using var writer = RunWriter.Open(StorePath);
        var finished = writer.CreateRun(StoreSamples.Run("a"));
        var failed = writer.CreateRun(StoreSamples.Run("b"));
        writer.EndRun(finished, RunStatus.Finished, "trained 2 epochs");
        writer.EndRun(failed, RunStatus.Failed, "the loss became NaN at step 7");
        using var reader = RunReader.Open(StorePath);
        Assert.Equal((RunStatus.Finished, "trained 2 epochs"), (reader.Run(finished).Status, reader.Run(finished).Message));
        Assert.Equal((RunStatus.Failed, "the loss became NaN at step 7"), (reader.Run(failed).Status, reader.Run(failed).Message));
        Assert.NotNull(reader.Run(failed).EndedUtc);
    }

    [Fact]
    public void DeletingARunRemovesItsRecordsAndCheckpointFoldersOnly()
    {
        var runFolder = Path.Combine(Folder, "run-a");
        var checkpoint = Path.Combine(runFolder, "checkpoints", "epoch-0001");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "model.pt"), "weights");
        var keep = Path.Combine(Folder, "keep.txt");
        File.WriteAllText(keep, "not a checkpoint");
        using var writer = RunWriter.Open(StorePath);
        var doomed = writer.CreateRun(StoreSamples.Run("a"));
        var kept = writer.CreateRun(StoreSamples.Run("b"));
        foreach (var id in new[] { doomed, kept })
        {
            writer.AddProbes(id, [StoreSamples.Probe(0)]);
            writer.WriteSnapshot(id, StoreSamples.Snapshot(0, 0));
            writer.WriteEpoch(id, new EpochRecord(new CubeSlice(1, 1, [1], [0], [0], [1f]), [], [1.0]));
        }
        writer.AddCheckpoint(doomed, new CheckpointRecord(1, 1, true, checkpoint, "x", 7, DateTime.UtcNow));
        writer.EndRun(doomed, RunStatus.Finished, null);

        Assert.Equal([checkpoint], writer.DeleteRun(doomed));
        Assert.False(Directory.Exists(runFolder));
        Assert.True(File.Exists(keep));
        using var reader = RunReader.Open(StorePath);
        Assert.Equal([kept], reader.Runs().Select(r => r.Id));
        Assert.Single(reader.Snapshots(kept));
        Assert.Single(reader.Cube(kept));
        Assert.Equal($"{StorePath}: no run {doomed} in this store", Assert.Throws<RunNotFoundException>(() => reader.Snapshots(doomed)).Message);
    }
}
