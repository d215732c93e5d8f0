using System.Diagnostics;

namespace CnnVis.Dashboard.Computation;

/// <summary>
/// What a running job sees: its cancellation (the user left or cancelled, or the app stops) and a way to report
/// progress. Reports are thinned to about ten a second (the last one always passes) so a loop reporting per
/// forward does not flood the page with renders.
/// </summary>
public sealed class ComputationContext
{
    private static readonly long s_interval = Stopwatch.Frequency / 10;
    private readonly IProgress<ComputationProgress>? _progress;
    private long _lastReport;
    private bool _reported;

    internal ComputationContext(CancellationToken cancellation, IProgress<ComputationProgress>? progress)
    {
        Cancellation = cancellation;
        _progress = progress;
    }

    public CancellationToken Cancellation { get; }

    public void ThrowIfCancellationRequested() => Cancellation.ThrowIfCancellationRequested();

    /// <summary>Reports <paramref name="fraction"/> (clamped to [0, 1]) done, now doing <paramref name="stage"/>.</summary>
    public void Report(double fraction, string stage)
    {
        if (_progress is null) return;
        var now = Stopwatch.GetTimestamp();
        if (fraction < 1 && _reported && now - _lastReport < s_interval) return;
        _lastReport = now;
        _reported = true;
        _progress.Report(new ComputationProgress(Math.Clamp(double.IsFinite(fraction) ? fraction : 0, 0, 1), stage));
    }
}
