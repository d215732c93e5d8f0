using System.Diagnostics;
using System.Globalization;
using CnnVis.Monitor.Store;
using CnnVis.Training.Loop;
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

    // A snapshot every step on a small run (3 steps and a checkpoint an epoch): most of the child's time is spent
    // inside snapshots and checkpoints.
    private Process StartTraining(string run, int epochs) =>
        Start(["train", "--dataset", "synthetic-shapes", "--train-limit", "96", "--validation-limit", "32", "--batch-size", "32",
            "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--out", Path.Combine(_dir, run)], pauseAt: null, lines: null);

    // The same monitor settings continuing a run folder (`train --resume`).
    private Process ResumeTraining(string run, string? pauseAt, List<string> lines) => Start(["train", "--resume", Path.Combine(_dir, run)], pauseAt, lines);

    // pauseAt: a test-only pause point ("snapshot-write:5"): the child says so on stderr and waits there to be killed.
    private Process Start(string[] args, string? pauseAt, List<string>? lines)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cnnvis.dll") }.Concat(args).Concat(
                 [
                     "--threads", "1", "--monitor", "--store", Store, "--probes", Probes.ToString(CultureInfo.InvariantCulture), "--methods", string.Join(',', s_methods),
                     "--snapshots", "steps:1", "--budget", "100",
                 ]))
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "300";
        if (pauseAt is not null) start.Environment["CNNVIS_TEST_PAUSE_AT"] = pauseAt;
        var process = Process.Start(start)!;
        void Keep(string? line)
        {
            if (line is null || lines is null) return;
            lock (lines) lines.Add(line);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
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

    // Every stored map of every snapshot, by (snapshot, method, probe): what "reads back exactly as written" compares.
    private static Dictionary<(int, string, int), ushort[]> StoredMaps(RunReader reader, long run)
    {
        var maps = new Dictionary<(int, string, int), ushort[]>();
        foreach (var method in s_methods)
        {
            var grid = reader.MapGrid(run, method, "true");
            for (var s = 0; s < grid.Snapshots.Count; s++)
                for (var p = 0; p < grid.Probes.Count; p++)
                    if (grid.Cells[s][p] is { } cell) maps[(grid.Snapshots[s].Sequence, method, grid.Probes[p])] = cell.Codes;
        }
        return maps;
    }

    // Starts a child that pauses at `pauseAt`, reads the store while it waits there, kills it with SIGKILL, and checks
    // the store: whole, the run interrupted, every snapshot committed before the kill read back exactly as it was.
    private void KillInside(Func<List<string>, Process> start, string point, string run)
    {
        var lines = new List<string>();
        using var process = start(lines);
        var clock = Stopwatch.StartNew();
        bool Paused()
        {
            lock (lines) return lines.Contains($"cnnvis-test-paused {point}");
        }
        while (!Paused() && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
        Assert.True(Paused(), $"the child never reached {point}: {string.Join(" | ", lines)}");
        Dictionary<(int, string, int), ushort[]> before;
        int snapshotsBefore;
        using (var reader = RunReader.Open(Store))
        {
            var id = Assert.Single(reader.Runs()).Id;
            before = StoredMaps(reader, id);
            snapshotsBefore = reader.Snapshots(id).Count;
        }
        process.Kill();
        process.WaitForExit();

        Assert.Equal("ok", IntegrityCheck());
        using var after = RunReader.Open(Store);
        var summary = Assert.Single(after.Runs());
        Assert.Equal(RunStatus.Interrupted, summary.Status);
        CheckWhole(after, summary.Id);
        // The snapshot being written when the kill came is not there; every one before it is, bit for bit.
        Assert.Equal(snapshotsBefore, after.Snapshots(summary.Id).Count);
        var now = StoredMaps(after, summary.Id);
        Assert.Equal(before.Keys.Order(), now.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, now[kv.Key]));
        Assert.NotNull(Checkpoint.FindLatest(Path.Combine(_dir, run)));
    }

    [Fact]
    public void KilledInsideASnapshotWriteAndInsideACheckpointWriteTheRunResumesFromItsLastWholeCheckpointIntoTheSameRecord()
    {
        // The fifth snapshot is the first of epoch 2 (start, steps 1-3; the epoch's end shares step 3): epoch 1's
        // checkpoint is in.
        KillInside(lines => Start(["train", "--dataset", "synthetic-shapes", "--train-limit", "96", "--validation-limit", "32", "--batch-size", "32",
            "--epochs", "3", "--out", Path.Combine(_dir, "run")], "snapshot-write:5", lines), "snapshot-write", "run");
        var checkpoints = Path.Combine(_dir, "run", "checkpoints");
        Assert.Equal(["epoch-0001"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName).Order());

        // Resumed, then killed while epoch 2's checkpoint is half written (its model file is, its optimizer file is not).
        KillInside(lines => ResumeTraining("run", "checkpoint-write", lines), "checkpoint-write", "run");
        Assert.Equal(["epoch-0001", "epoch-0002.partial"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(Path.Combine(checkpoints, "epoch-0002.partial", "model.pt")));
        var latest = Checkpoint.FindLatest(Path.Combine(_dir, "run"))!;
        Assert.Equal((1, 3L), (latest.Epoch, latest.Step));

        // Resumed again, to the end: from epoch 1's checkpoint (the half one is never taken), into the same run record.
        var lines = new List<string>();
        using (var process = ResumeTraining("run", null, lines))
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the resumed run did not finish in 3 minutes");
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, string.Join(" | ", lines));
        }
        // The console wraps long lines (anywhere in a path): without line breaks and spaces, it names the checkpoint resumed from.
        static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        Assert.Contains(Squeezed($"resuming from {latest.Directory} (after epoch 1, step 3)"), Squeezed(string.Concat(lines)), StringComparison.Ordinal);
        Assert.Equal(["epoch-0001", "epoch-0002", "epoch-0003"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName).Order());
        Assert.Equal("ok", IntegrityCheck());
        using var reader = RunReader.Open(Store);
        var run = Assert.Single(reader.Runs());
        Assert.Equal((RunStatus.Finished, 3), (run.Status, run.EpochsDone));
        CheckWhole(reader, run.Id);
        var snapshots = reader.Snapshots(run.Id);
        // Steps 0-3 from the first process, then each resume's snapshot at the checkpoint's step 3, then steps 4-9.
        Assert.Equal([0L, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9], snapshots.Select(s => s.Step));
        Assert.Equal(["start", "schedule", "schedule", "schedule", "resume", "resume"], snapshots.Take(6).Select(s => s.Reason));
        Assert.Equal([1, 2, 3], reader.Checkpoints(run.Id).Select(c => c.Epoch));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8, 9], reader.Metric(run.Id, "train.loss").Steps);
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
