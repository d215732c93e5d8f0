using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>Every run in the store, newest first; live while runs train.</summary>
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

    public void Dispose() => _subscription?.Dispose();
}
