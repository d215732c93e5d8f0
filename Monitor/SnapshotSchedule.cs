using System.Globalization;

namespace CnnVis.Monitor;

/// <summary>
/// When the monitor takes snapshots besides the one before the first step and the one at the end: every N steps,
/// at every epoch's end, or log-spaced (steps 1, 2, 4, 8, ... in the first epoch, where explanations change most,
/// then every epoch's end).
/// </summary>
public sealed record SnapshotSchedule
{
    private SnapshotSchedule(string kind, int steps)
    {
        Kind = kind;
        Steps = steps;
    }

    /// <summary>"log", "epoch" or "steps".</summary>
    public string Kind { get; }

    /// <summary>The interval of a "steps" schedule.</summary>
    public int Steps { get; }

    public static SnapshotSchedule LogSpaced { get; } = new("log", 0);

    public static SnapshotSchedule EveryEpoch { get; } = new("epoch", 0);

    public static SnapshotSchedule EverySteps(int steps) =>
        steps > 0 ? new("steps", steps) : throw new ArgumentOutOfRangeException(nameof(steps), $"a snapshot interval must be a positive number of steps, got {steps}");

    /// <summary>Reads "log", "epoch" or "steps:N" (as the CLI's <c>--schedule</c> takes it).</summary>
    public static SnapshotSchedule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "log") return LogSpaced;
        if (t == "epoch") return EveryEpoch;
        if (t.StartsWith("steps:", StringComparison.Ordinal) && int.TryParse(t["steps:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            return EverySteps(n);
        throw new ArgumentException($"unknown snapshot schedule '{text}': use log, epoch or steps:N (N a positive number of steps)", nameof(text));
    }

    /// <summary>Whether a snapshot is planned right after optimizer step <paramref name="step"/> (counted from 1) inside an epoch.</summary>
    public bool IsDueAfterStep(long step, int batchesPerEpoch) => Kind switch
    {
        "steps" => step % Steps == 0,
        // Powers of two within the first epoch; its last step is left to the epoch's end.
        "log" => step < batchesPerEpoch && (step & (step - 1)) == 0,
        _ => false,
    };

    /// <summary>Whether a snapshot is planned at every epoch's end.</summary>
    public bool AtEpochEnd => Kind is "log" or "epoch";

    public override string ToString() => Kind == "steps" ? $"steps:{Steps}" : Kind;
}
