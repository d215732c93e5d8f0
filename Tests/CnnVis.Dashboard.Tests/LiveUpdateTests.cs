using CnnVis.Monitor.Store;
using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>While a page is open, a snapshot written to the store by another writer appears without a reload.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveUpdateTests(Browser browser) : IAsyncLifetime
{
    private readonly SampleStore _store = new(probes: 4, snapshots: 3, epochs: 1, validation: 12);
    private DashboardHost _host = default!;

    public async Task InitializeAsync() => _host = await DashboardHost.StartAsync(_store.Path);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _store.Dispose();
    }

    [Fact]
    public async Task ANewSnapshotReachesTheOpenTimelineAndLayerView()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        var canvas = page.Locator("canvas#timeline");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "12");
        var (layersPage, layerErrors) = await browser.OpenAsync();
        await layersPage.GotoAsync($"{_host.Address}/runs/{_store.RunId}/layers");
        await Assertions.Expect(layersPage.Locator("canvas#layers")).ToHaveAttributeAsync("data-columns", "3");

        using (var writer = RunWriter.Open(_store.Path))
        {
            _store.AddSnapshot(writer, 3);
        }

        var live = new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 };
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-snapshots", "4", live);
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "16", live);
        await Assertions.Expect(page.Locator(".hint")).ToContainTextAsync("4 snapshots");
        await Assertions.Expect(layersPage.Locator("canvas#layers")).ToHaveAttributeAsync("data-columns", "4", live);
        Assert.Empty(errors);
        Assert.Empty(layerErrors);
        await page.Context.CloseAsync();
        await layersPage.Context.CloseAsync();
    }

    [Fact]
    public async Task TheOverviewFetchesOnlyTheNewPointsWhenMoreArrive()
    {
        var (page, errors) = await browser.OpenAsync();
        var answers = new List<(string Url, string Body)>();
        page.Response += async (_, response) =>
        {
            if (!response.Url.Contains("/metrics", StringComparison.Ordinal)) return;
            var body = await response.TextAsync();
            lock (answers) answers.Add((response.Url, body));
        };
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}");
        var charts = page.Locator(".charts[data-charts]");
        // One epoch of the sample: 20 steps of train.loss and lr, val.loss and val.accuracy once.
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-points", "42");

        using (var writer = RunWriter.Open(_store.Path))
        {
            writer.AddMetrics(_store.RunId, Enumerable.Range(21, 5).Select(step => new MetricPoint("train.loss", step, 2, 0.3)).ToList());
            _store.AddSnapshot(writer, 3);
        }
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-points", "47", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        // Every update asked with what the page had (have=…) and got only what was new: the five points, the snapshot.
        List<(string Url, string Body)> updates = [];
        for (var wait = 0; wait < 50; wait++)
        {
            lock (answers) updates = answers.Where(a => a.Url.Contains("have=", StringComparison.Ordinal)).ToList();
            if (updates.Any(u => u.Body.Contains("\"sequence\":3", StringComparison.Ordinal))) break;
            await Task.Delay(200);
        }
        lock (answers) Assert.Single(answers, a => !a.Url.Contains("have=", StringComparison.Ordinal));
        Assert.NotEmpty(updates);
        var newLoss = new List<long>();
        var newSnapshots = new List<int>();
        foreach (var (url, body) in updates)
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var loss = json.RootElement.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "train.loss");
            Assert.Contains($"train.loss%3A{loss.GetProperty("from").GetInt32()}", url.Replace(":", "%3A", StringComparison.Ordinal));
            newLoss.AddRange(loss.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(0, json.RootElement.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "lr").GetProperty("steps").GetArrayLength());
            newSnapshots.AddRange(json.RootElement.GetProperty("snapshots").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt32()));
        }
        Assert.Equal([21L, 22, 23, 24, 25], newLoss);
        Assert.Equal([3], newSnapshots);
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
