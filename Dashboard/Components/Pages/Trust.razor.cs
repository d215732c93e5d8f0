using CnnVis.Dashboard.Components.Shared;
using CnnVis.Dashboard.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>Explanation drift and faithfulness over time, under the loss curve, on the run's step axis.</summary>
public partial class Trust : RunPageBase
{
    private ElementReference _charts;
    private IJSObjectReference? _module;

    /// <summary>For a run trained with the synthetic dataset's spurious marker: whether the shortcut shows, in words.</summary>
    private ShortcutReading? Shortcut { get; set; }

    protected override void Load()
    {
        if (Run is null) return;
        Shortcut = ShortcutCheck.MarkerOf(Run.Dataset) is null
            ? null
            : ShortcutCheck.Read(Run, Store.Metric(RunId, "train.accuracy"), Store.Metric(RunId, "val.accuracy"), Store.Trust(RunId));
    }

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/charts.js");
        await _module.InvokeVoidAsync("showTrust", _charts, $"/api/runs/{RunId}/trust");
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("showTrust", _charts, $"/api/runs/{RunId}/trust");
    }
}
