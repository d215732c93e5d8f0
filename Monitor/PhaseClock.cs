using System.Diagnostics;

namespace CnnVis.Monitor;

/// <summary>
/// Times the phases of each snapshot (wall and process CPU time), so a run can say where the monitor's cost goes.
/// A phase timed twice in one snapshot (once per target) adds up.
/// </summary>
internal sealed class PhaseClock
{
    private readonly List<string> _order = new();
    private readonly Dictionary<string, List<(double wall, double cpu)>> _done = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double wall, double cpu)> _current = new(StringComparer.Ordinal);

    /// <summary>Starts timing <paramref name="phase"/>; disposing the result stops it.</summary>
    public Lap Time(string phase) => new(this, phase, Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);

    /// <summary>Ends the current snapshot: its phase times join the medians.</summary>
    public void EndSnapshot()
    {
        foreach (var (phase, cost) in _current)
        {
            if (!_done.TryGetValue(phase, out var list))
            {
                _done[phase] = list = new();
                _order.Add(phase);
            }
            list.Add(cost);
        }
        _current.Clear();
    }

    /// <summary>Forgets the current snapshot's times (it failed).</summary>
    public void DiscardSnapshot() => _current.Clear();

    public IReadOnlyList<SnapshotPhaseCost> Costs() =>
        _order.Select(p => new SnapshotPhaseCost(p, _done[p].Count, Median(_done[p].Select(c => c.wall)), Median(_done[p].Select(c => c.cpu)))).ToList();

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private void Add(string phase, double wall, double cpu)
    {
        var (w, c) = _current.GetValueOrDefault(phase);
        _current[phase] = (w + wall, c + cpu);
    }

    public readonly struct Lap(PhaseClock clock, string phase, long start, TimeSpan cpuStart) : IDisposable
    {
        public void Dispose() =>
            clock.Add(phase, Stopwatch.GetElapsedTime(start).TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpuStart).TotalMilliseconds);
    }
}
