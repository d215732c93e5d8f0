using System.Diagnostics;
using System.Text.RegularExpressions;
using CnnVis.Training.Loop;

namespace CnnVis.Cli.Tests;

/// <summary>Two cnnvis processes and one run folder: the second is refused, and a dead owner's folder is taken over.</summary>
public sealed class RunFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-runfolder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ASecondTrainerIntoTheSameFolderIsRefusedNamingTheOwnerAndADeadOwnersFolderIsTakenOver()
    {
        var run = Path.Combine(_dir, "run");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"), "train", "--train-limit", "20000", "--validation-limit", "100",
                     "--epochs", "3", "--threads", "1", "--out", run })
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var first = Process.Start(start)!;
        var started = new ManualResetEventSlim();
        first.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("for validation", StringComparison.Ordinal) == true) started.Set();
        };
        first.ErrorDataReceived += (_, _) => { };
        first.BeginOutputReadLine();
        first.BeginErrorReadLine();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "the first trainer did not start");
            var (code, output) = CliProcess.Run(_dir, "train", "--epochs", "1", "--train-limit", "64", "--threads", "1", "--out", run);
            Assert.Equal(2, code);
            Assert.Contains($"error: {run}: the run folder is in use by process {first.Id} on {Environment.MachineName} since ",
                Regex.Replace(output, @"\s+", " "));
            Assert.True(RunLock.IsHeld(run, out var owner));
            Assert.Equal(first.Id, owner!.ProcessId);

            // Killed outright, the first leaves its owner record behind but not its lock.
            first.Kill();
            Assert.True(first.WaitForExit(TimeSpan.FromMinutes(1)));
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true);
        }
        first.WaitForExit();
        Assert.False(RunLock.IsHeld(run, out _));
        using var taken = RunLock.Acquire(run);
        Assert.Equal(first.Id, taken.StaleOwner!.ProcessId);
    }
}
