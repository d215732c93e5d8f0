using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Visualizers;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Targets;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// Maps at their method's natural resolution (a CAM's feature-map grid) are stored beside those at input resolution
/// (schema version 2), read back through the same grid and map queries, and a version-1 store still opens and reads.
/// </summary>
public sealed class NaturalMapTests : TempFolder
{
    private static SnapshotRecord WithNatural(long step, int probes = 2)
    {
        var plain = StoreSamples.Snapshot(step, epoch: 1, probes: probes);
        return plain with
        {
            Maps = plain.Maps.Select(m => m.Method == "gradcam" ? m with { Natural = new NaturalMap(2, 3, StoreSamples.Ramp(6, m.Probe + 0.5f, 0.21f)) } : m).ToList(),
        };
    }

    private long Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    [Fact]
    public void NaturalMapsReadBackBesideTheInputResolutionOnes()
    {
        long id;
        var snapshot = WithNatural(step: 4);
        using (var writer = RunWriter.Open(StorePath))
        {
            id = writer.CreateRun(StoreSamples.Run());
            writer.AddProbes(id, [StoreSamples.Probe(0), StoreSamples.Probe(1)]);
            writer.WriteSnapshot(id, snapshot);
        }
        using var reader = RunReader.Open(StorePath);
        var grid = reader.MapGrid(id, "gradcam", "true", MapResolution.Natural);
        Assert.Equal(MapResolution.Natural, grid.Resolution);
        for (var p = 0; p < 2; p++)
        {
            var written = snapshot.Maps.Single(m => m.Method == "gradcam" && m.Probe == p);
            var cell = grid.Cells[0][p]!;
            Assert.Equal((1, 2, 3, written.Class, p), (cell.Channels, cell.Height, cell.Width, cell.Class, cell.Probe));
            Assert.All(cell.Values().Zip(written.Natural!.Values), v => Assert.InRange(Math.Abs(v.First - v.Second), 0, cell.Scale / 2 + 1e-6));
            Assert.Equal(cell, reader.Map(id, 0, p, "gradcam", "true", MapResolution.Natural), StoredMapComparer.Instance);
            // The input-resolution map is the one it always was.
            var input = reader.Map(id, 0, p, "gradcam", "true")!;
            Assert.Equal((1, 4, 4), (input.Channels, input.Height, input.Width));
            Assert.Equal(MapResolution.Input, reader.MapGrid(id, "gradcam", "true").Resolution);
        }
        // A method without a natural resolution has none stored.
        Assert.All(reader.MapGrid(id, "guided-backprop", "true", MapResolution.Natural).Cells[0], Assert.Null);
        Assert.Null(reader.Map(id, 0, 0, "guided-backprop", "true", MapResolution.Natural));
        Assert.Equal(2, Sql("SELECT count(*) FROM natural_maps"));
    }

    [Fact]
    public void AMisshapedNaturalMapIsRefusedAndNothingOfTheSnapshotIsStored()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        var bad = WithNatural(1);
        bad = bad with { Maps = bad.Maps.Select(m => m.Natural is null ? m : m with { Natural = new NaturalMap(2, 2, [1f, 2f, 3f]) }).ToList() };
        var e = Assert.Throws<ArgumentException>(() => writer.WriteSnapshot(id, bad));
        Assert.Equal("natural-resolution map of probe 0 (gradcam, true) has 3 values for shape 2x2", e.Message);
        using var reader = RunReader.Open(StorePath);
        Assert.Empty(reader.Snapshots(id));
    }

    [Fact]
    public void AStoreOfSchemaVersion1OpensAndReadsAndTakesNaturalMapsFromThenOn()
    {
        long id;
        var old = StoreSamples.Snapshot(step: 2, epoch: 1);
        using (var writer = RunWriter.Open(StorePath))
        {
            id = writer.CreateRun(StoreSamples.Run());
            writer.AddProbes(id, [StoreSamples.Probe(0), StoreSamples.Probe(1)]);
            writer.WriteSnapshot(id, old);
        }
        // Back to exactly what version 1 wrote: its tables (all but natural_maps) at user_version 1.
        Sql("DROP TABLE natural_maps; PRAGMA user_version = 1;");
        Assert.Equal(1, Sql("PRAGMA user_version"));

        using (var reader = RunReader.Open(StorePath))
        {
            Assert.Equal(2, Sql("PRAGMA user_version"));
            var cell = reader.MapGrid(id, "gradcam", "true").Cells[0][1]!;
            var written = old.Maps.Single(m => m.Method == "gradcam" && m.Probe == 1).Values;
            Assert.All(cell.Values().Zip(written), v => Assert.InRange(Math.Abs(v.First - v.Second), 0, cell.Scale / 2 + 1e-6));
            Assert.All(reader.MapGrid(id, "gradcam", "true", MapResolution.Natural).Cells[0], Assert.Null);
        }
        using (var writer = RunWriter.Open(StorePath)) writer.WriteSnapshot(id, WithNatural(step: 3));
        using var again = RunReader.Open(StorePath);
        var grid = again.MapGrid(id, "gradcam", "true", MapResolution.Natural);
        Assert.Equal(2, grid.Snapshots.Count);
        Assert.All(grid.Cells[0], Assert.Null);
        Assert.All(grid.Cells[1], c => Assert.Equal((2, 3), (c!.Height, c.Width)));
        Assert.Equal("ok", IntegrityCheck());
    }

    [Fact]
    public void TheMonitorStoresEachCamMapOnItsLayersGridFromWhichTheInputMapIsUpsampled()
    {
        torch.set_num_threads(2);
        using var model = new OwnCnn();
        var train = Subset.First(Datasets.Create("fashion-mnist", train: true), 64);
        var validation = Subset.First(Datasets.Create("fashion-mnist", train: false), 20);
        long id;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions
               {
                   ProbeCount = 3, Budget = 1, Schedule = SnapshotSchedule.EveryEpoch, Methods = ["cam", "gradcam", "saliency"], Filters = false,
               }))
        {
            new Trainer(new TrainingOptions { Epochs = 1, BatchSize = 32, Threads = 2 }, monitor) { Model = model, TrainData = train, ValidationData = validation }.Run();
            id = monitor.RunId;
        }
        using var reader = RunReader.Open(StorePath);
        var last = reader.Snapshots(id)[^1].Sequence;
        var probes = reader.Probes(id);
        // The model as it ended, explained again: its layer-grid maps (OwnCnn's features.5: 14 x 14 for a 28 x 28 input).
        using var images = ProbeSet.FromIndices(validation, probes.Select(p => p.DatasetIndex).ToArray());
        using var set = new ExplanationPass(ExplanationMethods.CreateMany(["cam", "gradcam"])).Run(model, images.Images, new TrueLabel(images.Labels));
        foreach (var method in new[] { "cam", "gradcam" })
        {
            var expected = set.Reports[$"{method}.{CamMethod.LayerMapReport}"];
            var values = expected.data<float>();
            for (var p = 0; p < probes.Count; p++)
            {
                var natural = reader.Map(id, last, p, method, "true", MapResolution.Natural)!;
                Assert.Equal((1, 14, 14), (natural.Channels, natural.Height, natural.Width));
                var decoded = natural.Values();
                for (var k = 0; k < decoded.Length; k++) Assert.InRange(Math.Abs(decoded[k] - values[p * 196 + k]), 0, natural.Scale + 1e-4);
                // Upsampling the stored grid gives the stored input-resolution map (up to both quantizations).
                using var grid = torch.tensor(decoded, new long[] { 1, 14, 14 });
                using var up = CamMethod.Upsample(grid, [28, 28]);
                var input = reader.Map(id, last, p, method, "true")!;
                var upValues = up.data<float>();
                var inputValues = input.Values();
                for (var k = 0; k < upValues.Length; k++) Assert.InRange(Math.Abs(upValues[k] - inputValues[k]), 0, natural.Scale + input.Scale);
            }
        }
        Assert.All(reader.MapGrid(id, "saliency", "true", MapResolution.Natural).Cells.SelectMany(r => r), Assert.Null);
    }

    private string IntegrityCheck()
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    // StoredMap holds arrays: equal when every field and every code is.
    private sealed class StoredMapComparer : IEqualityComparer<StoredMap?>
    {
        public static readonly StoredMapComparer Instance = new();

        public bool Equals(StoredMap? x, StoredMap? y) =>
            x is not null && y is not null && x with { Codes = [] } == y with { Codes = [] } && x.Codes.SequenceEqual(y.Codes);

        public int GetHashCode(StoredMap? map) => map?.Probe ?? 0;
    }
}
