using CnnVis.Dashboard.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// Layers × time heat strips of update ratio, gradient norm or weight norm, and one layer's weight histograms over
/// time (wwwroot/js/layers.js, both from one request).
/// </summary>
public partial class Layers : RunPageBase
{
    private ElementReference _canvas;
    private ElementReference _histograms;
    private IJSObjectReference? _module;

    private string Measure { get; set; } = "updateRatio";

    private IReadOnlyList<string> LayerNames { get; set; } = [];

    private string HistogramLayer { get; set; } = "";

    protected override void Load()
    {
        // Model order, as the store keeps it; the first weight (not a bias) is the one worth looking at first.
        LayerNames = Store.LayerStatistics(RunId).Select(l => l.Layer).Distinct().ToList();
        if (!LayerNames.Contains(HistogramLayer))
            HistogramLayer = LayerNames.FirstOrDefault(l => l.EndsWith("weight", StringComparison.Ordinal)) ?? LayerNames.FirstOrDefault() ?? "";
    }

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/layers.js");
        await _module.InvokeVoidAsync("drawLayers", _canvas, $"/api/runs/{RunId}/layers", Measure, _histograms, HistogramLayer);
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawLayers", _canvas, $"/api/runs/{RunId}/layers", Measure, _histograms, HistogramLayer);
    }

    private async Task RestyleAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawLayers", _canvas, null, Measure, _histograms, HistogramLayer);
    }
}
