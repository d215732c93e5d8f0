using System.Diagnostics;
using System.Globalization;

namespace CnnVis.Cli.Tests;

public sealed class ExplainInterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-explain-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CtrlCStopsAnExplanationInsteadOfRunningItToTheEnd()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "CnnVis.Training.Tests", "Fixtures", "fashionnet_pytorch.pt");
        var npy = Path.Combine(_dir, "maps.npy");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        // 64 images x 2048 path points: minutes of work on one thread, so only stopping can end it in time.
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"), "explain", "--checkpoint", Path.GetFullPath(fixture), "--model", "fashionnet",
                     "--indices", "0-63", "--method", "integrated-gradients(steps=2048)", "--threads", "1", "--npy", npy })
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.StartsWith("explaining", StringComparison.Ordinal) == true) started.Set();
        };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Stopwatch stopping;
        try
        {
            Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "the explanation did not start: " + output);
            Thread.Sleep(1000);
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            stopping = Stopwatch.StartNew();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "explain did not stop within 30 s of Ctrl+C: " + output);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        process.WaitForExit();
        var text = output.ToString();
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode} after {stopping.Elapsed.TotalSeconds:F1} s: {text}");
        Assert.Contains("stopped: nothing was written", text);
        Assert.False(File.Exists(npy));
    }
}
