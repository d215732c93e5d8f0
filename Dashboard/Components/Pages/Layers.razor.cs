using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>Layers × time heat strips of update ratio, gradient norm or weight norm (wwwroot/js/layers.js).</summary>
public partial class Layers : RunPageBase
{
    private ElementReference _canvas;
    private IJSObjectReference? _module;

    private string Measure { get; set; } = "updateRatio";

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/layers.js");
        await _module.InvokeVoidAsync("drawLayers", _canvas, $"/api/runs/{RunId}/layers", Measure);
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawLayers", _canvas, $"/api/runs/{RunId}/layers", Measure);
    }

    private async Task RestyleAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawLayers", _canvas, null, Measure);
    }
}
