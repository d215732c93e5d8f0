using System.Diagnostics;

namespace CnnVis.Cli.Tests;

public sealed class InterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CtrlCStopsTrainingAfterTheCurrentStepWithACheckpointThatResumes()
    {
        var run = Path.Combine(_dir, "run");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"), "train", "--train-limit", "20000", "--validation-limit", "100",
                     "--epochs", "3", "--threads", "1", "--out", run })
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains("for validation", StringComparison.Ordinal) == true) started.Set();
        };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "training did not start");
            Thread.Sleep(1500);
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "training did not stop after Ctrl+C");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        process.WaitForExit();
        var text = output.ToString();
        Assert.True(process.ExitCode == 0, text);
        Assert.Contains("cancelled at step", text);
        Assert.Contains("checkpoint saved", text);
        var saved = Directory.GetDirectories(Path.Combine(run, "checkpoints"));
        Assert.Single(saved);
        Assert.Contains("-step-", Path.GetFileName(saved[0]));
        Assert.True(File.Exists(Path.Combine(saved[0], "model.pt")));
    }
}
