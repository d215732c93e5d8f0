using System.Diagnostics;
using System.Globalization;
using CnnVis.Monitor.Store;
using Microsoft.Data.Sqlite;

namespace CnnVis.Cli.Tests;

/// <summary>
/// The run store between processes: `cnnvis train --monitor` killed with SIGKILL at random moments leaves a store
/// that opens, passes integrity_check, holds every completed snapshot whole and shows the run as interrupted; and
/// a reader polling while another process trains never sees an error or a half-written snapshot.
/// </summary>
public sealed class MonitorProcessTests : IDisposable
{
    private const int Probes = 4;
    private static readonly string[] s_methods = ["gradcam", "saliency"];

    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-monitor-process-").FullName;

    private string Store => Path.Combine(_dir, "cnnvis.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    // A snapshot every step on a small run: most of the child's time is spent inside snapshots and checkpoints.
    private Process StartTraining(string run, int epochs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"), "train", "--dataset", "synthetic-shapes", "--train-limit", "96", "--validation-limit", "32",
                     "--batch-size", "32", "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--threads", "1", "--out", Path.Combine(_dir, run),
                     "--monitor", "--store", Store, "--probes", Probes.ToString(CultureInfo.InvariantCulture), "--methods", string.Join(',', s_methods),
                     "--snapshots", "steps:1", "--budget", "100",
                 })
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void CheckWhole(RunReader reader, long run)
    {
        // Every snapshot the store lists is whole: all maps, probabilities and layer statistics of all probes.
        var snapshots = reader.Snapshots(run);
        foreach (var method in s_methods)
        {
            // Read after the snapshot list, the grid may already hold a snapshot committed in between, never fewer.
            var grid = reader.MapGrid(run, method, "true");
            Assert.Equal(grid.Snapshots.Count, grid.Cells.Length);
            Assert.True(grid.Snapshots.Count >= snapshots.Count, $"the {method} grid has {grid.Snapshots.Count} snapshots, the list had {snapshots.Count}");
            Assert.All(grid.Cells, row => Assert.Equal(Probes, row.Count(c => c is not null && c.Codes.Length == c.Channels * c.Height * c.Width)));
        }
        // Every listed snapshot has as many layer rows as the first (later snapshots may be committed in between reads).
        var layers = reader.LayerStatistics(run);
        var perSnapshot = snapshots.Count == 0 ? 0 : layers.Count(l => l.Snapshot == snapshots[0].Sequence);
        foreach (var s in snapshots)
        {
            Assert.True(perSnapshot > 0, $"snapshot {snapshots[0].Sequence} has no layer statistics");
            Assert.Equal(Probes, reader.Probabilities(run, s.Sequence).Count);
            Assert.Equal(perSnapshot, layers.Count(l => l.Snapshot == s.Sequence));
        }
        foreach (var c in reader.Checkpoints(run)) RunReader.VerifyCheckpoint(c);
        Assert.All(reader.Cube(run), slice => Assert.Equal(32, slice.Count));
    }

    private string IntegrityCheck()
    {
        using var connection = new SqliteConnection($"Data Source={Store};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    [Fact]
    public void KilledAtRandomMomentsTheStoreStaysWholeAndTheRunsShowAsInterrupted()
    {
        var random = new Random(2026);
        var killedWithData = 0;
        for (var k = 0; k < 10; k++)
        {
            using var process = StartTraining($"run-{k}", epochs: 100);
            // Half the kills come soon after the first snapshot, half once a few snapshots (and usually a checkpoint,
            // every 3 steps) are in: each at a random moment, so some land inside a snapshot or checkpoint write.
            var wanted = k % 2 == 0 ? 1 : 4;
            var clock = Stopwatch.StartNew();
            while (Snapshots(k) < wanted && clock.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited) Thread.Sleep(50);
            Thread.Sleep(random.Next(0, 1500));
            process.Kill();
            process.WaitForExit();

            Assert.Equal("ok", IntegrityCheck());
            using var reader = RunReader.Open(Store);
            var runs = reader.Runs();
            Assert.Equal(k + 1, runs.Count);
            Assert.All(runs, r => Assert.Equal(RunStatus.Interrupted, r.Status));
            foreach (var r in runs) CheckWhole(reader, r.Id);
            if (reader.Snapshots(runs[0].Id).Count >= 4) killedWithData++;
        }
        Assert.True(killedWithData >= 5, $"only {killedWithData} of 10 kills came after the fourth snapshot");
    }

    // Snapshots of the run started k-th (counted from 0), or 0 while it has not started.
    private int Snapshots(int runIndex)
    {
        if (!File.Exists(Store)) return 0;
        try
        {
            using var reader = RunReader.Open(Store);
            var runs = reader.Runs();
            return runs.Count == runIndex + 1 ? runs[0].Snapshots : 0;
        }
        catch (RunStoreException e) when (e.Message.Contains("empty database", StringComparison.Ordinal))
        {
            // The child is creating the store at this moment.
            return 0;
        }
    }

    [Fact]
    public void AReaderInAnotherProcessNeverSeesAnErrorOrAHalfSnapshotWhileTrainingWrites()
    {
        using var process = StartTraining("run", epochs: 3);
        var reads = 0;
        var sawGrowth = new HashSet<int>();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (!File.Exists(Store))
                {
                    Thread.Sleep(20);
                    continue;
                }
                RunReader reader;
                try
                {
                    reader = RunReader.Open(Store);
                }
                catch (RunStoreException e) when (e.Message.Contains("empty database", StringComparison.Ordinal))
                {
                    continue;
                }
                using (reader)
                {
                    var runs = reader.Runs();
                    if (runs.Count == 0) continue;
                    var id = runs[0].Id;
                    CheckWhole(reader, id);
                    reader.Metric(id, "train.loss");
                    reader.ChangeCounter(id);
                    sawGrowth.Add(reader.Snapshots(id).Count);
                    reads++;
                }
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
        }
        Assert.Equal(0, process.ExitCode);
        Assert.True(reads >= 10, $"only {reads} reads happened while training ran");
        Assert.True(sawGrowth.Count >= 3, $"the reader saw only {sawGrowth.Count} different snapshot counts");
        using var final = RunReader.Open(Store);
        Assert.Equal(RunStatus.Finished, final.Runs()[0].Status);
        Assert.Equal(1 + 9, final.Runs()[0].Snapshots);
    }
}
