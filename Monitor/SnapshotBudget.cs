namespace CnnVis.Monitor;

/// <summary>
/// The monitor's cap on its share of a run's wall time, judged against the whole run as projected from the steps
/// taken so far rather than against the time elapsed. Against the elapsed time, the dense early snapshots of the
/// log-spaced schedule could never be afforded (after one step, any snapshot is most of the time spent), although
/// they are a small part of a whole run and the reason that schedule exists.
/// </summary>
public static class SnapshotBudget
{
    /// <summary>
    /// The monitor's share of the run's wall time if it takes one more snapshot costing <paramref name="estimate"/>.
    /// </summary>
    /// <param name="busy">Time the monitor has spent so far.</param>
    /// <param name="wall">Wall time since the run (or this resumed part of it) began, the monitor's time included.</param>
    /// <param name="estimate">What the snapshot is expected to cost.</param>
    /// <param name="stepsTaken">Optimizer steps taken since the run (or its resumed part) began.</param>
    /// <param name="stepsPlanned">Steps the run (or its resumed part) will take in all; 0 when not known.</param>
    public static double ShareWith(TimeSpan busy, TimeSpan wall, TimeSpan estimate, long stepsTaken, long stepsPlanned)
    {
        var training = wall - busy;
        if (training < TimeSpan.Zero) training = TimeSpan.Zero;
        if (stepsTaken > 0 && stepsPlanned > stepsTaken)
            training = training * ((double)stepsPlanned / stepsTaken);
        return (busy + estimate) / (training + busy + estimate);
    }
}
