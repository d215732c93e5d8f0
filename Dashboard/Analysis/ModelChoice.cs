using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Analysis;

/// <summary>The weights to explain with: a stored checkpoint of the run (checked against its SHA-256) or an uploaded state_dict.</summary>
public sealed record ModelChoice(CheckpointRecord? Stored, UploadedModel? Uploaded)
{
    /// <summary>How the page names it.</summary>
    public string Label => Stored is { } c
        ? $"epoch {c.Epoch}{(c.EndOfEpoch ? "" : $" (step {c.Step})")}"
        : $"{Uploaded?.FileName} ({Uploaded?.Model})";
}
