using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnVis.Dashboard;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CnnVis.Bench;

/// <summary>
/// The dashboard under load: a store holding a 64-probe × 100-snapshot run (FashionNet-sized 28 × 28 maps) is
/// served on loopback; 20 clients request the timeline's data endpoint back to back for 30 s (p50/p95 latency),
/// the same load is repeated briefly with one store reader under a lock against the reader pool, and headless
/// chromium opens the timeline page until its canvas reports the first complete draw (data-drawn-at, ms since
/// navigation). Targets: drawn in under 1 s, p95 under 100 ms.
/// </summary>
internal sealed class DashboardBench : IBench
{
    private const int Probes = 64;
    private const int Snapshots = 100;
    private const int Side = 28;
    private const int Clients = 20;
    private const string Chromium = "/usr/bin/chromium";

    public string Name => "dashboard";

    public string Description => "timeline endpoint under 20 loopback clients for 30 s (p50/p95), lock vs reader pool, timeline page draw time in headless chromium";

    public int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private async Task<int> RunAsync(BenchContext context)
    {
        var folder = Directory.CreateTempSubdirectory("cnnvis-bench-dashboard-").FullName;
        try
        {
            var store = Path.Combine(folder, "cnnvis.db");
            var build = Stopwatch.StartNew();
            var runId = WriteStore(store);
            Console.WriteLine($"store: {Probes} probes × {Snapshots} snapshots × 2 methods, {Side}×{Side} maps, {new FileInfo(store).Length / 1e6:F1} MB, written in {build.Elapsed.TotalSeconds:F1} s");
            var seconds = context.Quick ? 5 : 30;
            var compareSeconds = context.Quick ? 3 : 10;
            var url = $"/api/runs/{runId}/timeline?method=gradcam&target=true";

            var main = await LoadAsync(store, RunRepository.DefaultReaders, url, seconds);
            Console.WriteLine($"timeline endpoint, {Clients} clients × {seconds} s, {RunRepository.DefaultReaders} readers: {main}");
            var locked = await LoadAsync(store, 1, url, compareSeconds);
            var pooled = await LoadAsync(store, RunRepository.DefaultReaders, url, compareSeconds);
            Console.WriteLine($"  one reader under a lock ({compareSeconds} s): {locked}");
            Console.WriteLine($"  pool of {RunRepository.DefaultReaders} readers ({compareSeconds} s): {pooled}");
            var metrics = $"/api/runs/{runId}/metrics";
            var lockedMetrics = await LoadAsync(store, 1, metrics, compareSeconds);
            var pooledMetrics = await LoadAsync(store, RunRepository.DefaultReaders, metrics, compareSeconds);
            Console.WriteLine($"  metrics endpoint (read from the store every time), lock: {lockedMetrics}");
            Console.WriteLine($"  metrics endpoint, pool of {RunRepository.DefaultReaders}: {pooledMetrics}");

            var draws = await DrawAsync(store, runId, context.Quick ? 2 : 5, Path.Combine(context.OutDir, "dashboard-timeline.png"));
            var drawMs = Median([.. draws.Select(d => d.DrawnAt)]);
            Console.WriteLine($"timeline page drawn (data-drawn-at, ms since navigation) over {draws.Count} fresh loads: {string.Join(", ", draws.Select(d => $"{d.DrawnAt:F0}"))}; median {drawMs:F0} ms (target under 1000)");
            Console.WriteLine($"  of which (medians): data asked for at {Median([.. draws.Select(d => d.AskedAt)]):F0} ms, fetch {Median([.. draws.Select(d => d.FetchMs)]):F0} ms, grid rendered in {Median([.. draws.Select(d => d.RenderMs)]):F0} ms"
                + $" ({draws.Count(d => d.Early)} of {draws.Count} before the circuit was up); circuit up and view started at {Median([.. draws.Select(d => d.ViewAt)]):F0} ms, on screen {Median([.. draws.Select(d => d.DrawMs)]):F0} ms after its last step");
            Console.WriteLine($"p95 {main.P95:F1} ms (target under 100), p50 {main.P50:F1} ms");

            var json = new JsonObject
            {
                ["bench"] = Name,
                ["quick"] = context.Quick,
                ["cores"] = Environment.ProcessorCount,
                ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
                ["store"] = new JsonObject { ["probes"] = Probes, ["snapshots"] = Snapshots, ["map_side"] = Side, ["bytes"] = new FileInfo(store).Length },
                ["timeline_draw_ms"] = Math.Round(drawMs, 1),
                ["timeline_draw_ms_each"] = new JsonArray([.. draws.Select(d => JsonValue.Create(Math.Round(d.DrawnAt, 1)))]),
                ["timeline_draw_breakdown_ms"] = new JsonObject
                {
                    ["data_asked_at"] = Math.Round(Median([.. draws.Select(d => d.AskedAt)]), 1),
                    ["fetch"] = Math.Round(Median([.. draws.Select(d => d.FetchMs)]), 1),
                    ["render"] = Math.Round(Median([.. draws.Select(d => d.RenderMs)]), 1),
                    ["rendered_before_circuit"] = draws.Count(d => d.Early),
                    ["view_started_at"] = Math.Round(Median([.. draws.Select(d => d.ViewAt)]), 1),
                    ["last_draw"] = Math.Round(Median([.. draws.Select(d => d.DrawMs)]), 1),
                },
                ["p50_ms"] = Math.Round(main.P50, 2),
                ["p95_ms"] = Math.Round(main.P95, 2),
                ["requests"] = main.Requests,
                ["requests_per_s"] = Math.Round(main.PerSecond, 1),
                ["response_bytes"] = main.Bytes,
                ["wire_bytes"] = main.WireBytes,
                ["clients"] = Clients,
                ["seconds"] = seconds,
                ["readers"] = RunRepository.DefaultReaders,
                ["readers_compared"] = new JsonObject
                {
                    ["seconds"] = compareSeconds,
                    ["timeline_lock"] = locked.ToJson(),
                    ["timeline_pool"] = pooled.ToJson(),
                    ["metrics_lock"] = lockedMetrics.ToJson(),
                    ["metrics_pool"] = pooledMetrics.ToJson(),
                },
                ["targets"] = new JsonObject { ["timeline_draw_ms"] = 1000, ["p95_ms"] = 100 },
            };
            Console.WriteLine($"wrote {context.WriteJson(Name, json)}");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<WebApplication> ServeAsync(string store, int readers)
    {
        var app = DashboardApp.Build(["--urls", "http://127.0.0.1:0", "--readers", readers.ToString(System.Globalization.CultureInfo.InvariantCulture)], store,
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        return app;
    }

    // Clients requesting back to back until the time is up; each latency is a whole response, body read.
    private static async Task<Latencies> LoadAsync(string store, int readers, string path, int seconds)
    {
        await using var app = await ServeAsync(store, readers);
        // As a browser does: gzip accepted, the body unpacked before the request counts as done.
        using var handler = new HttpClientHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        (await http.GetByteArrayAsync(path)).AsSpan();
        var samples = new List<double>[Clients];
        long bytes = 0;
        var until = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async k =>
        {
            samples[k] = [];
            while (until.Elapsed.TotalSeconds < seconds)
            {
                var started = Stopwatch.GetTimestamp();
                var body = await http.GetByteArrayAsync(path);
                samples[k].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Exchange(ref bytes, body.Length);
            }
        }));
        var all = samples.SelectMany(s => s).OrderBy(x => x).ToArray();
        // What travels: the same request with gzip accepted and the body left packed.
        using var raw = new HttpClient { BaseAddress = http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await raw.SendAsync(request);
        var wire = (await response.Content.ReadAsByteArrayAsync()).Length;
        await app.StopAsync();
        return new Latencies(Percentile(all, 0.5), Percentile(all, 0.95), all.Length, all.Length / until.Elapsed.TotalSeconds, bytes, wire);
    }

    // Fresh browser contexts open the timeline page; each reports when its first complete draw was on screen.
    private static async Task<List<Draw>> DrawAsync(string store, long runId, int loads, string screenshot)
    {
        await using var app = await ServeAsync(store, RunRepository.DefaultReaders);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var draws = new List<Draw>();
        // One load first, not counted: the server's first page render and the browser's first start are not what is measured.
        for (var k = 0; k <= loads; k++)
        {
            await using var page = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            var tab = await page.NewPageAsync();
            await tab.GotoAsync($"{app.Urls.Single()}/runs/{runId}/timeline");
            var canvas = tab.Locator("canvas#timeline[data-drawn='true']");
            await canvas.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            var cells = await canvas.GetAttributeAsync("data-cells");
            if (cells != (Probes * Snapshots).ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"the timeline drew {cells} cells, not {Probes * Snapshots}");
            async Task<double> Figure(string name) => double.Parse((await canvas.GetAttributeAsync(name))!, System.Globalization.CultureInfo.InvariantCulture);
            if (k > 0)
                draws.Add(new Draw(await Figure("data-drawn-at"), await Figure("data-load-started-at"), await Figure("data-fetch-ms"), await Figure("data-render-ms"),
                    await Figure("data-view-at"), await Figure("data-draw-ms"), await canvas.GetAttributeAsync("data-prepared-early") == "true"));
            if (k == loads) await tab.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        }
        await app.StopAsync();
        return draws;
    }

    // A finished run the way the monitor writes one: probes, snapshots with Grad-CAM and saliency maps, probabilities.
    private static long WriteStore(string path)
    {
        var classes = new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
        using var writer = RunWriter.Open(path);
        var runId = writer.CreateRun(new RunDescription("bench-fashionnet", "fashion-mnist", "fashionnet", "{}", classes, 10));
        var random = new Random(7);
        writer.AddProbes(runId, Enumerable.Range(0, Probes).Select(p =>
        {
            var image = new byte[Side * Side];
            for (var i = 0; i < image.Length; i++) image[i] = (byte)(Math.Abs(i % Side - 14) < 8 && Math.Abs(i / Side - 14) < 10 ? 160 + random.Next(60) : random.Next(30));
            return new ProbeRecord(p, p * 7, p % classes.Length, "class", 0, 1, Side, Side, image);
        }).ToList());
        for (var s = 0; s < Snapshots; s++)
        {
            var maps = new List<MapRecord>();
            for (var p = 0; p < Probes; p++)
            {
                double cx = 6 + (p * 5 + s / 10) % 16, cy = 6 + (p * 3 + s / 7) % 16;
                var blob = Enumerable.Range(0, Side * Side).Select(i => (float)Math.Exp(-(Math.Pow(i % Side - cx, 2) + Math.Pow(i / Side - cy, 2)) / 30.0)).ToArray();
                maps.Add(new MapRecord(p, "gradcam", "true", p % classes.Length, 1, Side, Side, blob, s == 0 ? null : 0.9));
                maps.Add(new MapRecord(p, "saliency", "true", p % classes.Length, 1, Side, Side, blob.Select(v => v * (float)random.NextDouble()).ToArray()));
            }
            writer.WriteSnapshot(runId, new SnapshotRecord(s * 50L, s / 10 + 1, s == 0 ? "start" : "schedule", 100)
            {
                Maps = maps,
                Probabilities = Enumerable.Range(0, Probes).Select(p =>
                {
                    var right = random.NextDouble() < Math.Min(0.9, 0.2 + s / 100.0);
                    return new ProbeProbabilities(p, Enumerable.Range(0, classes.Length).Select(c => c == (right ? p % classes.Length : (p + 1) % classes.Length) ? 0.7f : 0.3f / 9).ToArray());
                }).ToList(),
            });
        }
        writer.AddMetrics(runId, Enumerable.Range(1, Snapshots * 50).Select(step => new MetricPoint("train.loss", step, step / 500 + 1, 2.3 * Math.Exp(-step / 800.0) + 0.2)).ToList());
        writer.EndRun(runId, RunStatus.Finished, null);
        return runId;
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static double Median(List<double> values) => Percentile([.. values.OrderBy(x => x)], 0.5);

    // One page load: when the first draw was on screen, when the data was asked for, the fetch, rendering the grid, when
    // the view started (the circuit up), its last draw, and whether the grid was rendered before the circuit was up.
    private sealed record Draw(double DrawnAt, double AskedAt, double FetchMs, double RenderMs, double ViewAt, double DrawMs, bool Early);

    private sealed record Latencies(double P50, double P95, int Requests, double PerSecond, long Bytes, long WireBytes)
    {
        public JsonObject ToJson() => new()
        {
            ["p50_ms"] = Math.Round(P50, 2), ["p95_ms"] = Math.Round(P95, 2), ["requests"] = Requests, ["requests_per_s"] = Math.Round(PerSecond, 1),
            ["response_bytes"] = Bytes, ["wire_bytes"] = WireBytes,
        };

        public override string ToString() => $"p50 {P50:F1} ms, p95 {P95:F1} ms, {Requests} requests ({PerSecond:F0}/s), {Bytes / 1e6:F2} MB each ({WireBytes / 1e6:F2} MB gzipped on the wire)";
    }
}
