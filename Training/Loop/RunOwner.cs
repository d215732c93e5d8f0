using System.Globalization;

namespace CnnVis.Training.Loop;

/// <summary>The process that holds (or last held) a run folder: what <see cref="RunLock"/> writes beside its lock.</summary>
public sealed record RunOwner(int ProcessId, string Host, DateTime StartedUtc)
{
    /// <summary>This process, now.</summary>
    public static RunOwner Current() => new(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow);

    /// <summary>"process 1234 on host-a since 2026-11-30 20:10:00Z", for messages.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"process {ProcessId} on {Host} since {StartedUtc:yyyy-MM-dd HH:mm:ss}Z");

    internal string Format() => string.Create(CultureInfo.InvariantCulture, $"pid={ProcessId}\nhost={Host}\nstarted={StartedUtc:O}\n");

    // Returns null for anything that is not a whole owner record (a file being written, or written by hand).
    internal static RunOwner? Parse(string text)
    {
        int? pid = null;
        string? host = null;
        DateTime? started = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var value = line[(eq + 1)..];
            switch (line[..eq])
            {
                case "pid" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0:
                    pid = p;
                    break;
                case "host" when value.Length > 0:
                    host = value;
                    break;
                case "started" when DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var s):
                    started = s.ToUniversalTime();
                    break;
            }
        }
        return pid is { } id && host is not null && started is { } at ? new RunOwner(id, host, at) : null;
    }
}
