using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>Explanation drift and faithfulness over time, under the loss curve, on the run's step axis.</summary>
public partial class Trust : RunPageBase
{
    private ElementReference _charts;
    private IJSObjectReference? _module;

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
