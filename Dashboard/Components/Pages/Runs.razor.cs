using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// Every run in the store, newest first; live while runs train. Deleting a run (asked for, then confirmed) is the
/// dashboard's only write to the store.
/// </summary>
public partial class Runs
{
    private IDisposable? _subscription;

    [Inject]
    private RunRepository Store { get; set; } = default!;

    [Inject]
    private StoreWatcher Watcher { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // The runs picked for comparison, in the order they were picked (at most two: a third replaces the oldest).
    private List<long> Picked { get; } = [];

    private IReadOnlyList<RunSummary> List { get; set; } = [];

    private string? Problem { get; set; }

    // The run whose deletion waits for confirmation.
    private RunSummary? Confirming { get; set; }

    // What the last delete did (or why it did not).
    private string? Notice { get; set; }

    private bool NoticeIsError { get; set; }

    protected override void OnInitialized() => Load();

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _subscription = Watcher.Subscribe(() => _ = InvokeAsync(() =>
        {
            Load();
            StateHasChanged();
        }));
        // Renders data-interactive="true": the checkboxes answer from now on (the prerendered page does not).
        StateHasChanged();
    }

    private void Load()
    {
        try
        {
            List = Store.Runs();
            Problem = null;
        }
        catch (RunStoreException e)
        {
            Problem = e.Message;
        }
    }

    private void Toggle(long runId)
    {
        if (!Picked.Remove(runId))
        {
            Picked.Add(runId);
            if (Picked.Count > 2) Picked.RemoveAt(0);
        }
    }

    private void CompareRuns()
    {
        if (Picked.Count == 2) Navigation.NavigateTo($"/compare/{Picked[0]}/{Picked[1]}");
    }

    private void AskDelete(RunSummary run)
    {
        Confirming = run;
        Notice = null;
    }

    private void CancelDelete() => Confirming = null;

    private void ConfirmDelete()
    {
        if (Confirming is not { } run) return;
        Confirming = null;
        try
        {
            var folders = Store.DeleteRun(run.Id);
            Notice = $"Deleted run {run.Name} (#{run.Id}) and {folders.Count} checkpoint folder(s).";
            NoticeIsError = false;
        }
        catch (Exception e) when (e is RunStoreException or IOException or UnauthorizedAccessException)
        {
            Notice = $"Run #{run.Id} was not deleted: {e.Message}";
            NoticeIsError = true;
        }
        Load();
    }

    public void Dispose() => _subscription?.Dispose();
}
