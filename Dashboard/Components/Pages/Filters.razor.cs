using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>First-layer filters across snapshots (wwwroot/js/filters.js).</summary>
public partial class Filters : RunPageBase
{
    private ElementReference _canvas;
    private IJSObjectReference? _module;

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/filters.js");
        await _module.InvokeVoidAsync("drawFilters", _canvas, $"/api/runs/{RunId}/filters");
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawFilters", _canvas, $"/api/runs/{RunId}/filters");
    }
}
