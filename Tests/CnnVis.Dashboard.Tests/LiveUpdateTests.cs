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

    [Fact]
    public async Task TheCubeFetchesOnlyTheNewEpochWhenOneArrives()
    {
        var (page, errors) = await browser.OpenAsync();
        var answers = Record(page, "/cube");
        var accuracies = Record(page, "/class-accuracy");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/cube");
        var canvas = page.Locator("canvas#cube");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-epochs", "1");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-marks", "12");
        // The per-class accuracy loads after the cube is drawn: on a busy machine its first answer could come after the
        // epoch below is written, and then hold it already.
        for (var wait = 0; wait < 100 && !Answered(accuracies, "?from=0"); wait++) await Task.Delay(100);
        Assert.True(Answered(accuracies, "?from=0"), "the per-class accuracy was never loaded");

        using (var writer = RunWriter.Open(_store.Path))
        {
            _store.AddEpoch(writer, 2);
        }
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-epochs", "2", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-marks", "12");
        // CVC2: from, epochs, images at bytes 4, 8, 12. After the first answer the page asked from the epochs it held
        // and, over all its updates, got epoch 2 alone: number, step, twelve probabilities and predictions, no labels.
        var updates = await Updates(answers, body => BitConverter.ToInt32(body, 8));
        var update = Assert.Single(updates, u => BitConverter.ToInt32(u.Body, 8) > 0);
        Assert.EndsWith("?from=1", update.Url, StringComparison.Ordinal);
        Assert.Equal([1, 1, 12], new[] { 4, 8, 12 }.Select(at => BitConverter.ToInt32(update.Body, at)));
        Assert.Equal(2, BitConverter.ToInt32(update.Body, 20));
        Assert.Equal(20 + 8 + 5 * _store.Validation, update.Body.Length);
        // The per-class accuracy beside it likewise: epoch 2's row alone.
        static System.Text.Json.JsonElement Epochs(byte[] body) => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("epochs");
        var row = Assert.Single(await Updates(accuracies, body => Epochs(body).GetArrayLength()), u => Epochs(u.Body).GetArrayLength() > 0);
        Assert.EndsWith("?from=1", row.Url, StringComparison.Ordinal);
        Assert.Equal([2], Epochs(row.Body).EnumerateArray().Select(e => e.GetInt32()));
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheLayerViewFetchesOnlyTheNewSnapshotWhenOneArrives()
    {
        var (page, errors) = await browser.OpenAsync();
        var answers = Record(page, "/layers");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/layers");
        await Assertions.Expect(page.Locator("canvas#layers")).ToHaveAttributeAsync("data-columns", "3");

        using (var writer = RunWriter.Open(_store.Path))
        {
            _store.AddSnapshot(writer, 3);
        }
        await Assertions.Expect(page.Locator("canvas#layers")).ToHaveAttributeAsync("data-columns", "4", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("canvas#histograms")).ToHaveAttributeAsync("data-columns", "4");
        var (_, url, root) = await NewSnapshot(answers);
        Assert.EndsWith("?from=3", url, StringComparison.Ordinal);
        Assert.All(root.GetProperty("histograms").EnumerateArray(), row => Assert.Equal(1, row.GetArrayLength()));
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheTrustViewFetchesOnlyTheNewSnapshotAndPointsWhenTheyArrive()
    {
        var (page, errors) = await browser.OpenAsync();
        var answers = Record(page, "/trust");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/trust");
        var charts = page.Locator(".charts#trust");
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-snapshots", "3");

        using (var writer = RunWriter.Open(_store.Path))
        {
            writer.AddMetrics(_store.RunId, Enumerable.Range(21, 5).Select(step => new MetricPoint("train.loss", step, 2, 0.3)).ToList());
            _store.AddSnapshot(writer, 3);
        }
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-snapshots", "4", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        var (updates, url, root) = await NewSnapshot(answers);
        Assert.Contains("?from=3&have=", url, StringComparison.Ordinal);
        Assert.All(root.GetProperty("drift").EnumerateArray(), line => Assert.Equal(1, line.GetProperty("values").GetArrayLength()));
        Assert.All(root.GetProperty("faithfulness").EnumerateArray(), line => Assert.Equal(1, line.GetProperty("values").GetArrayLength()));
        // The first epoch's 20 loss points were held: only the 5 new ones came, once.
        var loss = updates.Select(u => Json(u.Body).GetProperty("loss")).ToList();
        Assert.All(loss, l => Assert.True(l.GetProperty("from").GetInt32() >= 20));
        Assert.Equal(Enumerable.Range(21, 5).Select(s => (long)s), loss.SelectMany(l => l.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64())));
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheFilterViewFetchesOnlyTheNewSnapshotWhenOneArrives()
    {
        var (page, errors) = await browser.OpenAsync();
        var answers = Record(page, "/filters");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/filters");
        var canvas = page.Locator("canvas#filters");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-snapshots", "3");

        using (var writer = RunWriter.Open(_store.Path))
        {
            _store.AddSnapshot(writer, 3);
        }
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-snapshots", "4", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-tiles", $"{4 * SampleStore.FilterCount}");
        var (_, url, root) = await NewSnapshot(answers);
        Assert.EndsWith("?from=3", url, StringComparison.Ordinal);
        Assert.Equal(1, root.GetProperty("data").GetArrayLength());
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    // Every answer from the data endpoint (/api/runs/{id}`path`), with the URL asked.
    private static List<(string Url, byte[] Body)> Record(IPage page, string path)
    {
        var answers = new List<(string Url, byte[] Body)>();
        page.Response += async (_, response) =>
        {
            var asked = new Uri(response.Url).AbsolutePath;
            if (!asked.StartsWith("/api/runs/", StringComparison.Ordinal) || !asked.EndsWith(path, StringComparison.Ordinal)) return;
            var body = await response.BodyAsync();
            lock (answers) answers.Add((response.Url, body));
        };
        return answers;
    }

    private static System.Text.Json.JsonElement Json(byte[] body) => System.Text.Json.JsonDocument.Parse(body).RootElement;

    // The one update that brought snapshot 3 to a page holding snapshots 0-2: its answer starts from 3 and carries
    // snapshot 3 alone. Returns every update, that one's address and its body.
    private static async Task<(List<(string Url, byte[] Body)> Updates, string Url, System.Text.Json.JsonElement Root)> NewSnapshot(
        List<(string Url, byte[] Body)> answers)
    {
        var updates = await Updates(answers, body => Json(body).GetProperty("snapshots").GetArrayLength());
        var update = Assert.Single(updates, u => Json(u.Body).GetProperty("snapshots").GetArrayLength() > 0);
        var root = Json(update.Body);
        Assert.Equal(3, root.GetProperty("from").GetInt32());
        Assert.Equal([3], root.GetProperty("snapshots").EnumerateArray().Select(e => e.GetInt32()));
        return (updates, update.Url, root);
    }

    private static bool Answered(List<(string Url, byte[] Body)> answers, string ending)
    {
        lock (answers) return answers.Any(a => a.Url.EndsWith(ending, StringComparison.Ordinal));
    }

    // The answers after the page's one whole load (?from=0), once they carry something new (`count` > 0); together
    // they must carry exactly one new item, each asked from where the page stood (never from 0 again).
    private static async Task<List<(string Url, byte[] Body)>> Updates(List<(string Url, byte[] Body)> answers, Func<byte[], int> count)
    {
        List<(string Url, byte[] Body)> updates = [];
        for (var wait = 0; wait < 50; wait++)
        {
            lock (answers) updates = answers.Where(a => !a.Url.EndsWith("?from=0", StringComparison.Ordinal)).ToList();
            if (updates.Sum(u => count(u.Body)) > 0) break;
            await Task.Delay(200);
        }
        lock (answers) Assert.Single(answers, a => a.Url.EndsWith("?from=0", StringComparison.Ordinal));
        Assert.All(updates, u => Assert.Contains("?from=", u.Url, StringComparison.Ordinal));
        Assert.Equal(1, updates.Sum(u => count(u.Body)));
        return updates;
    }
}
