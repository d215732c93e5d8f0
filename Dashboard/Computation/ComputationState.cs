namespace CnnVis.Dashboard.Computation;

/// <summary>Where a job of the <see cref="ComputationQueue"/> stands.</summary>
public enum ComputationState
{
    Waiting,
    Running,
    Done,
    Failed,
    Cancelled,
}
