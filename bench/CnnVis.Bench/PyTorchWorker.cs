using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace CnnVis.Bench;

/// <summary>
/// A PyTorch reference script kept running beside this process (`script --serve`): it answers one
/// command per line with one JSON line. A bench alternates its own repetitions with the worker's, so
/// both sides see the same machine (on a shared machine the background load drifts); while one side
/// runs, the other waits on the pipe, so they never compete for the cores.
/// </summary>
internal sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;
    private readonly string _script;
    private bool _disposed;

    private PyTorchWorker(Process process, string script)
    {
        _process = process;
        _script = script;
    }

    /// <summary>The first line the worker wrote once set up and warmed up (threads, versions).</summary>
    public JsonObject Ready { get; private set; } = new();

    /// <summary>glibc's environment variables for the mmap and trim thresholds (read when the process starts).</summary>
    public const string MmapVariable = "MALLOC_MMAP_THRESHOLD_";
    public const string TrimVariable = "MALLOC_TRIM_THRESHOLD_";

    /// <summary>
    /// Starts bench/&lt;script&gt; --serve with the thread count and <paramref name="args"/>, and waits until it is ready.
    /// With <paramref name="sameAllocator"/> glibc gets CnnVis's thresholds through its environment variables; without,
    /// glibc's defaults (whatever the caller's environment says).
    /// </summary>
    public static PyTorchWorker Start(BenchContext context, string script, bool sameAllocator, params string[] args)
    {
        var start = new ProcessStartInfo(context.Options.Python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(Path.Combine(context.BenchDir, script));
        start.ArgumentList.Add("--serve");
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(context.Threads.ToString(CultureInfo.InvariantCulture));
        foreach (var a in args) start.ArgumentList.Add(a);
        // PyTorch's thread count comes from --threads alone, not from the caller's environment.
        start.Environment.Remove("OMP_NUM_THREADS");
        start.Environment.Remove("MKL_NUM_THREADS");
        start.Environment.Remove(MmapVariable);
        start.Environment.Remove(TrimVariable);
        if (sameAllocator)
        {
            var threshold = CnnVis.Torch.torch.KeptFreedMemoryThreshold.ToString(CultureInfo.InvariantCulture);
            start.Environment[MmapVariable] = threshold;
            start.Environment[TrimVariable] = threshold;
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {context.Options.Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {context.Options.Python}: {e.Message}", e);
        }
        var worker = new PyTorchWorker(process, script);
        try
        {
            worker.Ready = worker.ReadReply("start");
            var seen = worker.Ready["malloc_env"]?[MmapVariable]?.GetValue<string>();
            if (sameAllocator && seen != start.Environment[MmapVariable])
                throw new InvalidOperationException($"{script} did not get {MmapVariable} (it reports '{seen}')");
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and returns the worker's JSON answer.</summary>
    public JsonObject Ask(string command)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        return ReadReply(command);
    }

    /// <summary>Sends a command whose answer is one number under <paramref name="key"/>.</summary>
    public double AskNumber(string command, string key) =>
        (double?)Ask(command)[key] ?? throw new InvalidOperationException($"{_script} answered '{command}' without '{key}'");

    private JsonObject ReadReply(string command)
    {
        var line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            _process.WaitForExit();
            throw new InvalidOperationException(
                $"{_script} ended (exit code {_process.ExitCode}) before answering '{command}'; does {_process.StartInfo.FileName} have torch? (./build.sh bench installs python3-torch)");
        }
        var reply = JsonNode.Parse(line)?.AsObject() ?? throw new InvalidOperationException($"{_script} answered '{command}' with '{line}'");
        if (reply["error"] is { } error) throw new InvalidOperationException($"{_script} failed on '{command}': {error}");
        return reply;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill();
            }
        }
        catch (IOException)
        {
            // The worker is gone already (its pipe is closed): nothing left to stop.
        }
        _process.Dispose();
    }
}
