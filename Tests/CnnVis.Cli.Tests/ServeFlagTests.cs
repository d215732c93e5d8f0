using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace CnnVis.Cli.Tests;

/// <summary>
/// --serve and --no-serve fail fast and plainly on bad input, before any training: a command that would serve never
/// starts when it cannot listen, so scripts and the suite never wait on it.
/// </summary>
public sealed class ServeFlagTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-serve-flags-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Flat(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");

    [Fact]
    public void ServeAndNoServeTogetherAreRefusedBeforeTraining()
    {
        var (code, output) = CliProcess.Run(_dir, "demo", "--serve", "--no-serve", "--out", Path.Combine(_dir, "demo"), "--store", Path.Combine(_dir, "cnnvis.db"));
        Assert.Equal(2, code);
        Assert.Contains("error: --serve and --no-serve contradict each other: give one", Flat(output));
        Assert.False(Directory.Exists(Path.Combine(_dir, "demo")));
        Assert.False(File.Exists(Path.Combine(_dir, "cnnvis.db")));

        (code, output) = CliProcess.Run(_dir, "train", "--serve", "--no-serve", "--out", Path.Combine(_dir, "run"), "--store", Path.Combine(_dir, "cnnvis.db"));
        Assert.Equal(2, code);
        Assert.Contains("error: --serve and --no-serve contradict each other: give one", Flat(output));
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void ATakenPortStopsTrainServeBeforeItTrains()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var (code, output) = CliProcess.Run(_dir, "train", "--dataset", "synthetic-shapes", "--train-limit", "64", "--validation-limit", "32", "--epochs", "1",
            "--threads", "1", "--out", Path.Combine(_dir, "run"), "--store", Path.Combine(_dir, "cnnvis.db"), "--probes", "2", "--serve", "--urls", $"http://127.0.0.1:{port}");
        Assert.Equal(2, code);
        Assert.Contains($"error: --urls http://127.0.0.1:{port}: cannot listen there:", Flat(output));
        Assert.DoesNotContain("epoch 1", Flat(output));
        Assert.False(Directory.Exists(Path.Combine(_dir, "run", "checkpoints")));
    }
}
