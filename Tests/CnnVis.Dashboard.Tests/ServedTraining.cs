using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// A real `cnnvis train --monitor --serve` child process on 127.0.0.1:0 (the program built beside the tests): what it
/// prints, the address it serves at, and Ctrl+C. Every wait is bounded, and disposing kills it if it is still up.
/// </summary>
internal sealed partial class ServedTraining : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _trained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServedTraining(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_lines) return string.Join('\n', _lines);
        }
    }

    /// <summary>Done when the program says training is over and it keeps serving.</summary>
    public Task Trained => _trained.Task;

    public static ServedTraining Start(string folder, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cnnvis.dll"), "train" }.Concat(extra)) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        var process = Process.Start(start)!;
        var served = new ServedTraining(process);
        process.OutputDataReceived += (_, e) => served.Line(e.Data);
        process.ErrorDataReceived += (_, e) => served.Line(e.Data);
        process.Exited += (_, _) =>
        {
            served._address.TrySetException(new InvalidOperationException($"cnnvis exited ({process.ExitCode}) before serving:\n{served.Output}"));
            served._trained.TrySetException(new InvalidOperationException($"cnnvis exited ({process.ExitCode}) before training was over:\n{served.Output}"));
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return served;
    }

    /// <summary>The printed dashboard address, without the trailing slash.</summary>
    public async Task<string> AddressAsync(TimeSpan timeout) => await _address.Task.WaitAsync(timeout);

    public bool HasExited => _process.HasExited;

    /// <summary>Ctrl+C, then the exit code (bounded).</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
        if (DashboardLine().Match(line) is { Success: true } m) _address.TrySetResult(m.Groups[1].Value);
        if (line.Contains("the dashboard keeps serving", StringComparison.Ordinal)) _trained.TrySetResult();
    }

    [GeneratedRegex(@"CnnVis dashboard: (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex DashboardLine();
}
