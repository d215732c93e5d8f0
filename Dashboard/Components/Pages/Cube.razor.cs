using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// Every validation image × epoch, coloured right/wrong or by true-class probability, grouped by class with the
/// unstable images first (wwwroot/js/cube.js, one binary request); per-class accuracy over epochs beside it.
/// </summary>
public partial class Cube : RunPageBase
{
    private ElementReference _canvas;
    private ElementReference _chart;
    private IJSObjectReference? _module;
    private IJSObjectReference? _charts;

    private string Colouring { get; set; } = "correct";

    // Clicking a mark opens the image there at the clicked epoch.
    private string PostHocUrl => $"/runs/{RunId}/posthoc";

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/cube.js");
        _charts = await JS.InvokeAsync<IJSObjectReference>("import", "./js/charts.js");
        await DrawAsync();
    }

    protected override Task OnStoreChangedAsync() => DrawAsync();

    private async Task DrawAsync()
    {
        if (_module is null || _charts is null || Run is null) return;
        await _module.InvokeVoidAsync("drawCube", _canvas, $"/api/runs/{RunId}/cube", new { colouring = Colouring, classNames = Run.ClassNames, postHocUrl = PostHocUrl });
        await _charts.InvokeVoidAsync("showClassAccuracy", _chart, $"/api/runs/{RunId}/class-accuracy", Run.ClassNames);
    }

    private async Task RestyleAsync()
    {
        if (_module is not null && Run is not null)
            await _module.InvokeVoidAsync("drawCube", _canvas, null, new { colouring = Colouring, classNames = Run.ClassNames, postHocUrl = PostHocUrl });
    }
}
