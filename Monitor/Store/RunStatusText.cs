namespace CnnVis.Monitor.Store;

/// <summary>Run statuses as the store spells them.</summary>
internal static class RunStatusText
{
    public static string Of(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Finished => "finished",
        RunStatus.Interrupted => "interrupted",
        RunStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static RunStatus Parse(string text) => text switch
    {
        "running" => RunStatus.Running,
        "finished" => RunStatus.Finished,
        "interrupted" => RunStatus.Interrupted,
        "failed" => RunStatus.Failed,
        _ => throw new RunStoreException($"unknown run status '{text}' in the store"),
    };
}
