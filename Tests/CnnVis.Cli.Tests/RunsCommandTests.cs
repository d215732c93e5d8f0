using CnnVis.Monitor.Store;
using Microsoft.Data.Sqlite;

namespace CnnVis.Cli.Tests;

/// <summary>`cnnvis train --monitor` writes a run that `cnnvis runs` lists, `runs show` describes and `runs delete` removes.</summary>
public sealed class RunsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-runs-").FullName;

    private string Store => Path.Combine(_dir, "store", "cnnvis.db");

    // Spectre wraps lines at 80 columns when its output is redirected, leaving the space before the break.
    private static (int, string) Run(string dir, params string[] args)
    {
        var (code, output) = CliProcess.Run(dir, args);
        return (code, output.Replace("\n", "", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void AMonitoredRunIsListedShownAndDeletedWithItsCheckpoints()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output) = Run(_dir, "train", "--dataset", "synthetic-shapes", "--train-limit", "64", "--validation-limit", "32", "--batch-size", "32",
            "--epochs", "1", "--threads", "1", "--out", run, "--monitor", "--store", Store, "--probes", "2", "--methods", "gradcam,saliency", "--budget", "100");
        Assert.True(code == 0, output);
        Assert.Contains($"run store: {Store} (run 1; `cnnvis runs show 1`)", output);
        Assert.Matches(@"monitor: 3 snapshots \(0 skipped over budget\), median \d+ ms each", output);

        (code, output) = Run(_dir, "runs", "--store", Store);
        Assert.True(code == 0, output);
        Assert.Contains("finished", output);
        Assert.Contains("1/1", output);

        (code, output) = Run(_dir, "runs", "show", "1", "--store", Store);
        Assert.True(code == 0, output);
        Assert.Contains("run 1: synthetic-shapes-fashionnet — finished: trained 1 epoch (2 steps)", output);
        Assert.Contains("snapshots: 3 taken", output);
        Assert.Contains("maps: gradcam/true, saliency/true", output);
        Assert.Contains("checkpoint epoch 1 step 2: " + Path.Combine(run, "checkpoints", "epoch-0001"), output);

        (code, output) = Run(_dir, "runs", "show", "7", "--store", Store);
        Assert.Equal(2, code);
        Assert.Contains($"error: {Store}: no run 7 in this store", output);

        (code, output) = Run(_dir, "runs", "delete", "1", "--store", Store, "--yes");
        Assert.True(code == 0, output);
        Assert.Contains("deleted run 1 and 1 checkpoint folder(s)", output);
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "epoch-0001")));
        using var reader = RunReader.Open(Store);
        Assert.Empty(reader.Runs());
    }

    [Fact]
    public void BadMonitorFlagsAndStoresAreOneLineNamingTheInput()
    {
        var (code, output) = Run(_dir, "train", "--monitor", "--snapshots", "hourly", "--store", Store);
        Assert.Equal(2, code);
        Assert.Contains("error: --snapshots: unknown snapshot schedule 'hourly': use log, epoch or steps:N (N a positive number of steps)", output);

        (code, output) = Run(_dir, "train", "--monitor", "--methods", "gradcam,xray", "--store", Store);
        Assert.Equal(2, code);
        Assert.Contains("error: unknown method 'xray'", output);

        (code, output) = Run(_dir, "train", "--monitor", "--budget", "0", "--store", Store);
        Assert.Equal(2, code);
        Assert.Contains("error: --budget must be a percentage in (0, 100], got 0", output);

        var notAStore = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notAStore, "hello");
        (code, output) = Run(_dir, "runs", "--store", notAStore);
        Assert.Equal(2, code);
        Assert.Contains($"error: {notAStore} is not a SQLite database, so it is not a CnnVis run store", output);
        (code, output) = Run(_dir, "train", "--monitor", "--store", notAStore);
        Assert.Equal(2, code);
        Assert.Contains($"error: {notAStore} is not a SQLite database, so it is not a CnnVis run store", output);
        Assert.Equal("hello", File.ReadAllText(notAStore));
    }
}
