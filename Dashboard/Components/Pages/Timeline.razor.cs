using System.Text.Json;
using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// Probes as rows, snapshots as columns, each cell the chosen method's map over its probe: drawn on a canvas by
/// wwwroot/js/timeline.js from one binary request per (run, method, target); new snapshots are fetched alone.
/// Filters (a class, "prediction flipped", "most drift"), play and the time slider work in the browser on the data
/// it already has; the loss strip above shares the selected time with the grid and the run's other charts.
/// </summary>
public partial class Timeline : RunPageBase
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private ElementReference _canvas;
    private ElementReference _large;
    private ElementReference _play;
    private ElementReference _scrub;
    private ElementReference _scrubLabel;
    private ElementReference _strip;
    private IJSObjectReference? _charts;
    private IJSObjectReference? _module;
    private IJSObjectReference? _view;

    private IReadOnlyList<(string Method, string Target)> Kinds { get; set; } = [];

    private string Kind { get; set; } = "";

    private string Colormap { get; set; } = "inferno";

    private string Normalisation { get; set; } = "map";

    private int Opacity { get; set; } = 65;

    private string Filter { get; set; } = "all";

    private int ClassFilter { get; set; } = -1;

    private int Snapshots { get; set; }

    private int Probes { get; set; }

    protected override void Load()
    {
        Kinds = Store.MapKinds(RunId);
        Snapshots = Store.Snapshots(RunId).Count;
        Probes = Store.Probes(RunId).Count;
        if (!Kinds.Any(k => $"{k.Method}|{k.Target}" == Kind) && Kinds.Count > 0)
        {
            // Grad-CAM on the true class is the view people come for; otherwise the first kind.
            var preferred = Kinds.FirstOrDefault(k => k.Method == "gradcam" && k.Target == "true");
            var (method, target) = preferred.Method is null ? Kinds[0] : preferred;
            Kind = $"{method}|{target}";
        }
    }

    protected override bool ReadyToStart => Kinds.Count > 0;

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/timeline.js");
        _view = await _module.InvokeAsync<IJSObjectReference>("createTimeline", _canvas, _large, new { play = _play, scrub = _scrub, label = _scrubLabel }, Style(), RunId);
        await ReloadAsync();
        _charts = await JS.InvokeAsync<IJSObjectReference>("import", "./js/charts.js");
        await _charts.InvokeVoidAsync("showStrip", _strip, $"/api/runs/{RunId}/metrics");
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_view is not null) await _view.InvokeVoidAsync("update");
        if (_charts is not null) await _charts.InvokeVoidAsync("showStrip", _strip, $"/api/runs/{RunId}/metrics");
    }

    // The chosen method's data: also on the server-rendered canvas, so wwwroot/js/prefetch.js can fetch it and render
    // the grid before the circuit is up (with the style the view will start with).
    private string TimelineUrl
    {
        get
        {
            var parts = Kind.Split('|', 2);
            return parts.Length < 2 ? "" : $"/api/runs/{RunId}/timeline?method={Uri.EscapeDataString(parts[0])}&target={Uri.EscapeDataString(parts[1])}";
        }
    }

    private string StyleJson => JsonSerializer.Serialize(Style(), s_json);

    private async Task ReloadAsync()
    {
        if (_view is null) return;
        await _view.InvokeVoidAsync("load", TimelineUrl);
    }

    private async Task RestyleAsync()
    {
        if (_view is not null) await _view.InvokeVoidAsync("restyle", Style());
    }

    private object Style() => new
    {
        colormap = Colormap, normalisation = Normalisation, opacity = Opacity / 100.0, classNames = Run?.ClassNames ?? [], filter = Filter, classFilter = ClassFilter,
    };

    protected override void Dispose(bool disposing)
    {
        if (_view is not null) _ = DisposeViewAsync(_view);
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
