using System.Diagnostics;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Runs CnnVis.Torch.LoadProbe on a file in a child process: for crafted files that used to kill the process
/// (SIGSEGV, stack overflow, memory exhaustion), so that a regression fails one test instead of the test host.
/// </summary>
internal static class LoadProbe
{
    public sealed record Result(int ExitCode, string Output, string Error, bool TimedOut, TimeSpan Elapsed);

    public static Result Run(string kind, string path, TimeSpan timeout)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "CnnVis.Torch.LoadProbe.dll");
        if (!File.Exists(probe)) throw new FileNotFoundException("the load probe was not built next to the tests", probe);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(kind);
        start.ArgumentList.Add(path);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var finished = process.WaitForExit(timeout);
        if (!finished)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        return new Result(finished ? process.ExitCode : -1, output.Result, error.Result, !finished, clock.Elapsed);
    }

    /// <summary>The probe refused the file with a TorchException (exit 2) and this message, in time.</summary>
    public static string Refused(string kind, string path, TimeSpan timeout)
    {
        var r = Run(kind, path, timeout);
        Assert.False(r.TimedOut, $"the probe did not finish within {timeout.TotalSeconds} s");
        Assert.True(r.ExitCode == 2, $"the probe exited with {r.ExitCode}, not 2 (a clear error); stderr: {Tail(r.Error)}");
        return r.Error.Trim();
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : s[^2000..];
}
