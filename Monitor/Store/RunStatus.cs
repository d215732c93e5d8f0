namespace CnnVis.Monitor.Store;

/// <summary>Where a run stands. A run whose process died while it was running reads as <see cref="Interrupted"/>.</summary>
public enum RunStatus
{
    Running,
    Finished,
    Interrupted,
    Failed,
}
