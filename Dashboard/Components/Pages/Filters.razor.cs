using System.Globalization;
using CnnVis.Dashboard.Analysis;
using CnnVis.Dashboard.Components.Shared;
using CnnVis.Dashboard.Computation;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// First-layer filters across snapshots (wwwroot/js/filters.js), and activation-maximization images of chosen
/// classes or channels at a chosen checkpoint, made by the <see cref="ComputationQueue"/> and cached by
/// <see cref="ActivationImages"/>.
/// </summary>
public partial class Filters : RunPageBase
{
    private ElementReference _canvas;
    private IJSObjectReference? _module;
    private PageComputation? _computation;
    private bool _choseDefaults;

    [Inject]
    private ComputationQueue Queue { get; set; } = default!;

    [Inject]
    private ActivationImages Maker { get; set; } = default!;

    private IReadOnlyList<CheckpointRecord> Checkpoints { get; set; } = [];

    private int CheckpointIndex { get; set; }

    private string Kind { get; set; } = "classes";

    private string Layer { get; set; } = "";

    private string Indices { get; set; } = "0-3";

    private int Steps { get; set; } = 100;

    private PageComputation Computation => _computation ??= new PageComputation(Queue, InvokeAsync, StateHasChanged);

    private bool Running => _computation?.Running ?? false;

    private bool Interactive { get; set; }

    private ComputationProgress Progress => Computation.Progress;

    private IReadOnlyList<ActivationImage> Images { get; set; } = [];

    private string? Message { get; set; }

    protected override void Load()
    {
        Checkpoints = Store.Checkpoints(RunId);
        if (_choseDefaults || Run is null) return;
        _choseDefaults = true;
        CheckpointIndex = Math.Max(0, Checkpoints.Count - 1);
        Indices = Run.ClassNames.Count >= 4 ? "0-3" : $"0-{Run.ClassNames.Count - 1}";
        try
        {
            Layer = ActivationImages.DefaultLayer(Run);
        }
        catch (ArgumentException)
        {
            // A model the zoo does not know: the layer is typed by hand.
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await base.OnAfterRenderAsync(firstRender);
        if (!firstRender) return;
        Interactive = true;
        StateHasChanged();
    }

    protected override async Task OnFirstRenderAsync()
    {
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/filters.js");
        await _module.InvokeVoidAsync("drawFilters", _canvas, $"/api/runs/{RunId}/filters");
    }

    protected override async Task OnStoreChangedAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("drawFilters", _canvas, $"/api/runs/{RunId}/filters");
    }

    private async Task MakeAsync()
    {
        if (Running || CheckpointIndex < 0 || CheckpointIndex >= Checkpoints.Count) return;
        Message = null;
        ActivationRequest request;
        try
        {
            var indices = ParseIndices(Indices);
            request = new ActivationRequest(RunId, Checkpoints[CheckpointIndex], Kind == "channels" ? Layer.Trim() : null, indices, Steps);
        }
        catch (ArgumentException e)
        {
            Message = e.Message;
            return;
        }
        var store = Store;
        var outcome = await Computation.RunAsync($"activation maximization for run {RunId}", context => Maker.Make(request, store, context));
        // A message on the page (busy, cancelled, a changed checkpoint, an unknown layer, a channel out of range), never a stack trace.
        if (outcome.Succeeded) Images = outcome.Value ?? [];
        else Message = outcome.Message;
    }

    /// <summary>"0-3", "1,5,7" or "0-2,9" → indices, at most <see cref="ActivationImages.MaxImages"/>.</summary>
    private static int[] ParseIndices(string text)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            var (first, last) = dash < 0 ? (part, part) : (part[..dash], part[(dash + 1)..]);
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var to) || from > to)
                throw new ArgumentException($"indices: '{part}' is not an index or a range like 0-3");
            if (result.Count + (to - from + 1) > ActivationImages.MaxImages)
                throw new ArgumentException($"indices: at most {ActivationImages.MaxImages} images at once");
            for (var k = from; k <= to; k++) result.Add(k);
        }
        if (result.Count == 0) throw new ArgumentException("indices: name at least one, e.g. 0-3");
        return result.Distinct().ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _computation?.Dispose();
    }
}
