using System.Diagnostics;

namespace CnnVis.Cli.Tests;

/// <summary>Runs the real cnnvis program (built beside the tests) and captures what a user would see.</summary>
internal static class CliProcess
{
    public static (int exitCode, string output) Run(string workingDirectory, params string[] args) =>
        Run(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Run(string, string[])"/>, with <paramref name="environment"/> added to the child's environment.</summary>
    public static (int exitCode, string output) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cnnvis {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
