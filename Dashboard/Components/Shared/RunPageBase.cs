using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Shared;

/// <summary>
/// What every view of one run shares: the run read from the store, a message instead of the view when the run or
/// the store cannot be read, and a live subscription that re-reads and re-renders when the store changes.
/// </summary>
public abstract class RunPageBase : ComponentBase, IDisposable
{
    private IDisposable? _subscription;
    private bool _started;

    [Parameter]
    public long RunId { get; set; }

    [Inject]
    protected RunRepository Store { get; set; } = default!;

    [Inject]
    protected StoreWatcher Watcher { get; set; } = default!;

    [Inject]
    protected IJSRuntime JS { get; set; } = default!;

    protected RunSummary? Run { get; private set; }

    /// <summary>Why the view cannot be shown (no such run, no store, a store too new), in the store's words.</summary>
    protected string? Problem { get; private set; }

    protected override void OnParametersSet() => Refresh();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            // Only the interactive render subscribes (a prerender is thrown away).
            _subscription = Watcher.Subscribe(() => _ = InvokeAsync(async () =>
            {
                Refresh();
                StateHasChanged();
                if (Problem is null && _started) await OnStoreChangedAsync();
            }));
        }
        // A view whose data was missing (no store yet, no maps yet) starts its scripts once the data is there.
        if (!_started && Problem is null && ReadyToStart)
        {
            _started = true;
            await OnFirstRenderAsync();
        }
    }

    /// <summary>Whether the view has what its scripts need (its canvas is rendered).</summary>
    protected virtual bool ReadyToStart => true;

    /// <summary>Reads what the view shows; runs in <see cref="Refresh"/>, which turns store errors into <see cref="Problem"/>.</summary>
    protected virtual void Load()
    {
    }

    /// <summary>Starts the view's scripts once the page is interactive and <see cref="ReadyToStart"/>.</summary>
    protected virtual Task OnFirstRenderAsync() => Task.CompletedTask;

    /// <summary>Tells the view's scripts that new data arrived.</summary>
    protected virtual Task OnStoreChangedAsync() => Task.CompletedTask;

    protected void Refresh()
    {
        try
        {
            Run = Store.Run(RunId);
            Load();
            Problem = null;
        }
        catch (RunStoreException e)
        {
            Problem = e.Message;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
