using System.Text.Json;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Endpoints;

/// <summary>
/// The compact data the canvas views and charts fetch: one request per view, never one per cell. Run ids are
/// numbers (route constraint), method and target must be ones the run has; nothing a client sends names a file.
/// </summary>
public static class DataEndpoints
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs/{runId:long}");
        api.MapGet("/timeline", (long runId, string method, string target, string? from, RunRepository store, HttpContext http) => Answer(() =>
        {
            // A "from" beyond the snapshots there are is answered with none (the page then sees it holds them all).
            if (!TryParseFrom(from, int.MaxValue, "snapshots", out var first, out var problem)) return Results.BadRequest(problem);
            if (!store.MapKinds(runId).Contains((method, target)))
                return Results.NotFound($"run {runId} has no {method} maps for target '{target}'");
            // Compressed once per change of the run and cached: browsers accept gzip, and the bytes shrink severalfold.
            http.Response.Headers.Vary = "Accept-Encoding";
            if (AcceptsGzip(http.Request))
            {
                http.Response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(store.TimelineGzip(runId, method, target, first), "application/octet-stream");
            }
            return Results.Bytes(store.Timeline(runId, method, target, first), "application/octet-stream");
        }));
        // The enlarged cell's company: every method's map of that probe at that snapshot, and its CAM channel weights.
        api.MapGet("/cell", (long runId, int snapshot, int probe, RunRepository store) => Answer(() =>
        {
            if (store.Cell(runId, snapshot, probe) is not { } cell)
                return Results.NotFound($"run {runId} has no snapshot {snapshot} with probe {probe}");
            return Results.Json(new
            {
                snapshot = cell.Snapshot.Sequence,
                cell.Snapshot.Step,
                cell.Snapshot.Epoch,
                cell.Probe,
                maps = cell.Maps.Select(m =>
                {
                    var (offset, scale, codes) = TimelineEncoder.EightBit(m);
                    return new { m.Method, m.Target, m.Height, m.Width, offset, scale, codes = Convert.ToBase64String(codes) };
                }),
                channelWeights = cell.ChannelWeights.Select(w => new { w.Target, w.Layer, Weights = w.Weights.Select(v => float.IsFinite(v) ? v : 0f) }),
            }, s_json);
        }));
        // Without "from": the whole cube (CVC1). With it, the live page's count of epochs it holds: only the later ones (CVC2).
        api.MapGet("/cube", (long runId, string? from, RunRepository store) => Answer(() =>
        {
            var cube = store.Cube(runId);
            var classes = store.Run(runId).ClassNames.Count;
            if (from is null) return Results.Bytes(CubeEncoder.Encode(cube, classes), "application/octet-stream");
            if (!TryParseFrom(from, cube.Count, "epochs", out var first, out var problem)) return Results.BadRequest(problem);
            return Results.Bytes(CubeEncoder.EncodeFrom(cube, classes, first), "application/octet-stream");
        }));
        // Live pages send what they already have (have=name:count,...; snapshots=count) and get only what follows: each
        // series is appended in step order, so its first `count` points never change. "from" says where each part starts.
        api.MapGet("/metrics", (long runId, string? have, int? snapshots, RunRepository store) => Answer(() =>
        {
            if (!TryParseHave(have, out var counts))
                return Results.BadRequest($"have: '{have}' is not a list of name:count pairs (counts whole numbers from 0)");
            var series = store.Metrics(runId).Select(m =>
            {
                var from = counts.TryGetValue(m.Name, out var n) && n <= m.Count ? n : 0;
                return new { m.Name, From = from, Steps = m.Steps[from..], Epochs = m.Epochs[from..], Values = m.Values[from..].Select(v => Finite(v)) };
            });
            var all = store.Snapshots(runId);
            var first = snapshots is { } k && k >= 0 && k <= all.Count ? k : 0;
            return Results.Json(new { series, snapshotsFrom = first, snapshots = all.Skip(first).Select(s => new { s.Sequence, s.Step, s.Epoch }) }, s_json);
        }));
        // "from": how many snapshots the live page holds; every column (snapshots, grids, histograms) starts there.
        api.MapGet("/layers", (long runId, string? from, RunRepository store) => Answer(() =>
        {
            var stats = store.LayerStatistics(runId);
            var layers = stats.Select(l => l.Layer).Distinct().ToList();
            var all = stats.Select(l => (l.Snapshot, l.Step)).Distinct().OrderBy(x => x.Snapshot).ToList();
            if (!TryParseFrom(from, all.Count, "snapshots with layer statistics", out var start, out var problem)) return Results.BadRequest(problem);
            var snapshots = all.Skip(start).ToList();
            var kept = snapshots.Select(x => x.Snapshot).ToHashSet();
            stats = stats.Where(l => kept.Contains(l.Snapshot)).ToList();
            double?[][] Grid(Func<LayerStatistics, double?> pick)
            {
                var cells = layers.Select(_ => new double?[snapshots.Count]).ToArray();
                var column = snapshots.Select((x, k) => (x.Snapshot, k)).ToDictionary(x => x.Snapshot, x => x.k);
                var row = layers.Select((x, k) => (x, k)).ToDictionary(x => x.x, x => x.k);
                foreach (var l in stats) cells[row[l.Layer]][column[l.Snapshot]] = Finite(pick(l));
                return cells;
            }
            return Results.Json(new
            {
                from = start,
                layers,
                snapshots = snapshots.Select(x => x.Snapshot),
                steps = snapshots.Select(x => x.Step),
                updateRatio = Grid(l => l.UpdateRatio),
                gradientNorm = Grid(l => l.GradientNorm),
                weightNorm = Grid(l => l.WeightNorm),
                // Per layer, per snapshot: the value range and the bin counts of its weight histogram (null where missing).
                histograms = layers.Select(layer =>
                {
                    var at = stats.Where(l => l.Layer == layer).ToDictionary(l => l.Snapshot);
                    return snapshots.Select(x => at.TryGetValue(x.Snapshot, out var l) && double.IsFinite(l.HistogramMin) && double.IsFinite(l.HistogramMax)
                        ? new { min = l.HistogramMin, max = l.HistogramMax, counts = l.Histogram }
                        : null);
                }),
            }, s_json);
        }));
        // Live pages send what they hold: "from", how many snapshots (drift and faithfulness start there), and
        // have=name:count for the loss and accuracy series (as /metrics). The marked steps always come whole: a new
        // snapshot can move the median they are judged by.
        api.MapGet("/trust", (long runId, string? from, string? have, RunRepository store) => Answer(() =>
        {
            if (!TryParseHave(have, out var counts))
                return Results.BadRequest($"have: '{have}' is not a list of name:count pairs (counts whole numbers from 0)");
            var trust = store.Trust(runId);
            if (!TryParseFrom(from, trust.Snapshots.Count, "snapshots", out var start, out var problem)) return Results.BadRequest(problem);
            var loss = store.Metric(runId, "train.loss");
            var train = store.Metric(runId, "train.accuracy");
            var validation = store.Metric(runId, "val.accuracy");
            object Lines(IReadOnlyList<TrustLine> lines) => lines.Select(l => new { l.Name, Values = l.Values.Skip(start).Select(Finite) });
            object Later(MetricSeries m)
            {
                var first = counts.TryGetValue(m.Name, out var n) && n <= m.Count ? n : 0;
                return new { m.Name, From = first, Steps = m.Steps[first..], Values = m.Values[first..].Select(v => Finite(v)) };
            }
            return Results.Json(new
            {
                from = start,
                snapshots = trust.Snapshots.Skip(start),
                steps = trust.Steps.Skip(start),
                drift = Lines(trust.Drift),
                faithfulness = Lines(trust.Faithfulness),
                marked = trust.MarkedSteps,
                loss = Later(loss),
                // Training against validation accuracy: where a shortcut in the training images shows as a gap.
                accuracy = new[] { train, validation }.Where(m => m.Count > 0).Select(Later),
            }, s_json);
        }));
        // "from": how many snapshots' filters the live page holds; only the later ones come (shape and layer always).
        api.MapGet("/filters", (long runId, string? from, RunRepository store) => Answer(() =>
        {
            var filters = store.Filters(runId);
            var first = filters.FirstOrDefault();
            // Snapshots whose filters differ in shape from the first (a changed model) are left out.
            var all = filters.Where(f => first is not null && f.Layer == first.Layer && f.Count == first.Count && f.Channels == first.Channels
                && f.Height == first.Height && f.Width == first.Width).ToList();
            if (!TryParseFrom(from, all.Count, "snapshots with filters", out var start, out var problem)) return Results.BadRequest(problem);
            var same = all.Skip(start).ToList();
            return Results.Json(new
            {
                from = start,
                layer = first?.Layer,
                count = first?.Count ?? 0,
                channels = first?.Channels ?? 0,
                height = first?.Height ?? 0,
                width = first?.Width ?? 0,
                snapshots = same.Select(f => f.Snapshot),
                steps = same.Select(f => f.Step),
                data = same.Select(f => f.Weights.Select(v => float.IsFinite(v) ? MathF.Round(v, 5) : 0f)),
            }, s_json);
        }));
        // "from": how many epochs the live page holds; only the later ones come.
        api.MapGet("/class-accuracy", (long runId, string? from, RunRepository store) => Answer(() =>
        {
            var all = store.ClassAccuracies(runId);
            if (!TryParseFrom(from, all.Count, "epochs", out var first, out var problem)) return Results.BadRequest(problem);
            var rows = all.Skip(first).ToList();
            return Results.Json(new { from = first, epochs = rows.Select(r => r.Epoch), accuracies = rows.Select(r => r.Accuracies.Select(a => Finite(a))) }, s_json);
        }));
    }

    private static bool TryParseHave(string? have, out Dictionary<string, int> counts)
    {
        counts = [];
        if (string.IsNullOrEmpty(have)) return true;
        foreach (var pair in have.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(pair.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                return false;
            counts[pair[..colon]] = n;
        }
        return true;
    }

    // A live page's count of what it holds: a whole number from 0 up to what there is (absent: 0, everything).
    private static bool TryParseFrom(string? text, int count, string what, out int from, out string problem)
    {
        problem = "";
        from = 0;
        if (text is null) return true;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out from))
            problem = $"from: '{text}' is not a whole number from 0";
        else if (from > count)
            problem = $"from: {from} is more than the run's {count} {what}";
        return problem.Length == 0;
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.Headers.AcceptEncoding.Any(value => value is not null && value.Split(',').Any(e =>
            e.Split(';')[0].Trim().Equals("gzip", StringComparison.OrdinalIgnoreCase) && !e.Replace(" ", "", StringComparison.Ordinal).EndsWith(";q=0", StringComparison.Ordinal)));

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static IResult Answer(Func<IResult> work)
    {
        try
        {
            return work();
        }
        catch (RunNotFoundException e)
        {
            return Results.NotFound(e.Message);
        }
        catch (RunStoreException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
