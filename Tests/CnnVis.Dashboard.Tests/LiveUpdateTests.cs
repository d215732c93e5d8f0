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
}
