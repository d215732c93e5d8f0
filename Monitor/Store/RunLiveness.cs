namespace CnnVis.Monitor.Store;

/// <summary>
/// Whether a run marked running still has a live owner: on this machine, its process must exist; anywhere, its
/// heartbeat must be recent. Otherwise the run died without saying so and reads as interrupted.
/// </summary>
internal static class RunLiveness
{
    /// <summary>A run whose owner wrote nothing for this long is taken as dead (the monitor beats every few seconds).</summary>
    public static TimeSpan StaleAfter { get; } = TimeSpan.FromMinutes(10);

    public static RunStatus Effective(RunStatus stored, int? pid, string? host, DateTime heartbeatUtc)
    {
        if (stored != RunStatus.Running) return stored;
        if (DateTime.UtcNow - heartbeatUtc > StaleAfter) return RunStatus.Interrupted;
        if (host == Environment.MachineName && pid is { } id && !IsAlive(id)) return RunStatus.Interrupted;
        return RunStatus.Running;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}") && !IsZombie(pid);
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // A killed child its parent has not reaped yet is still listed in /proc, in state Z.
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
