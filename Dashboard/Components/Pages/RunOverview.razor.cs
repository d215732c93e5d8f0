using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>The run's facts and its curves (training loss per step, validation per epoch, learning rate) on one step axis.</summary>
public partial class RunOverview : RunPageBase
{
    private ElementReference _charts;
    private IJSObjectReference? _module;

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/charts.js");
        await _module.InvokeVoidAsync("showOverview", _charts, $"/api/runs/{RunId}/metrics");
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("showOverview", _charts, $"/api/runs/{RunId}/metrics");
    }
}
