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

    private IReadOnlyList<RunSummary> List { get; set; } = [];

    private string? Problem { get; set; }

    protected override void OnInitialized() => Load();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender) _subscription = Watcher.Subscribe(() => _ = InvokeAsync(() =>
        {
            Load();
            StateHasChanged();
        }));
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

    public void Dispose() => _subscription?.Dispose();
}
