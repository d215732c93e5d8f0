using System.Globalization;
using System.Runtime.CompilerServices;

// The run store's writer marks its own points inside a snapshot's transaction.
[assembly: InternalsVisibleTo("CnnVis.Monitor")]

namespace CnnVis.Training.Loop;

/// <summary>
/// Test-only: lets the crash-safety test kill a training process at a named point inside a write. When the environment
/// variable <c>CNNVIS_TEST_PAUSE_AT</c> is <c>point</c> or <c>point:N</c>, the N-th arrival (the first by default) at
/// that point writes <c>cnnvis-test-paused point</c> to stderr and blocks forever, so the test's SIGKILL lands exactly
/// there. Unset, as everywhere outside that test, a point costs one comparison.
/// </summary>
internal static class TestPause
{
    public const string Variable = "CNNVIS_TEST_PAUSE_AT";

    public const string SnapshotWrite = "snapshot-write";

    public const string CheckpointWrite = "checkpoint-write";

    private static readonly (string point, int arrival)? s_target = Parse(Environment.GetEnvironmentVariable(Variable));

    private static int s_arrivals;

    public static void At(string point)
    {
        if (s_target is not { } target || target.point != point) return;
        if (Interlocked.Increment(ref s_arrivals) != target.arrival) return;
        Console.Error.WriteLine($"cnnvis-test-paused {point}");
        Console.Error.Flush();
        Thread.Sleep(Timeout.Infinite);
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var colon = value.IndexOf(':');
        if (colon < 0) return (value, 1);
        return int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? (value[..colon], n) : null;
    }
}
