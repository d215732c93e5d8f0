using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>Two runs side by side: their curves, and the same probes' timelines for a method both have; live.</summary>
public partial class Compare : IDisposable
{
    private readonly List<IJSObjectReference> _views = [];
    private IDisposable? _subscription;
    private IJSObjectReference? _charts;
    private bool _started;

    [Parameter]
    public long First { get; set; }

    [Parameter]
    public long Second { get; set; }

    [Inject]
    private RunRepository Store { get; set; } = default!;

    [Inject]
    private StoreWatcher Watcher { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private RunSummary? Left { get; set; }

    private RunSummary? Right { get; set; }

    private (string Method, string Target)? Kind { get; set; }

    private string? Problem { get; set; }

    private Dictionary<string, ElementReference> Charts { get; } = [];

    private Dictionary<string, ElementReference> Timelines { get; } = [];

    private Dictionary<string, ElementReference> Large { get; } = [];

    protected override void OnParametersSet() => Load();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _subscription = Watcher.Subscribe(() => _ = InvokeAsync(async () =>
            {
                Load();
                StateHasChanged();
                if (Problem is null && _started) await RefreshAsync();
            }));
        }
        if (_started || Problem is not null || Left is null) return;
        _started = true;
        _charts = await JS.InvokeAsync<IJSObjectReference>("import", "./js/charts.js");
        if (Kind is { } kind)
        {
            var timeline = await JS.InvokeAsync<IJSObjectReference>("import", "./js/timeline.js");
            foreach (var (side, run) in new[] { ("left", Left!), ("right", Right!) })
            {
                var view = await timeline.InvokeAsync<IJSObjectReference>("createTimeline", Timelines[side], Large[side], new { },
                    new { colormap = "inferno", normalisation = "map", opacity = 0.65, classNames = run.ClassNames }, run.Id);
                _views.Add(view);
                await view.InvokeVoidAsync("load", $"/api/runs/{run.Id}/timeline?method={Uri.EscapeDataString(kind.Method)}&target={Uri.EscapeDataString(kind.Target)}");
            }
        }
        await RefreshChartsAsync();
    }

    private void Load()
    {
        try
        {
            Left = Store.Run(First);
            Right = Store.Run(Second);
            var common = Store.MapKinds(First).Intersect(Store.MapKinds(Second)).ToList();
            Kind = common.Count == 0 ? null : common.FirstOrDefault(k => k is ("gradcam", "true")) is { Method: not null } g ? g : common[0];
            Problem = null;
        }
        catch (RunStoreException e)
        {
            Problem = e.Message;
        }
    }

    private async Task RefreshAsync()
    {
        foreach (var view in _views) await view.InvokeVoidAsync("update");
        await RefreshChartsAsync();
    }

    private async Task RefreshChartsAsync()
    {
        if (_charts is null) return;
        await _charts.InvokeVoidAsync("showOverview", Charts["left"], $"/api/runs/{First}/metrics", 1);
        await _charts.InvokeVoidAsync("showOverview", Charts["right"], $"/api/runs/{Second}/metrics", 1);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        foreach (var view in _views) _ = DisposeViewAsync(view);
    }

    private static async Task DisposeViewAsync(IJSObjectReference view)
    {
        try
        {
            await view.InvokeVoidAsync("dispose");
            await view.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser left: nothing to clean up there.
        }
    }
}
