using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// The timeline's filters, play and slider, the time selection shared with the run's charts, and the layer view's
/// weight histograms, in chromium over the sample run (6 probes × 5 snapshots, steps 0, 12, 24, 36, 48).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TimelineControlsTests(Browser browser, SampleDashboard dashboard) : IClassFixture<SampleDashboard>
{
    private readonly SampleStore _store = dashboard.Store;
    private readonly DashboardHost _host = dashboard.Host;

    private async Task<(IPage Page, List<string> Errors, ILocator Canvas)> OpenTimelineAsync()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        var canvas = page.Locator("canvas#timeline[data-drawn='true']");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "30");
        return (page, errors, canvas);
    }

    [Fact]
    public async Task WithoutWorkersTheGridIsPreparedOnThePagesThread()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.AddInitScriptAsync("delete window.Worker;");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        var canvas = page.Locator("canvas#timeline[data-drawn='true']");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "30");
        Assert.Equal("true", await canvas.GetAttributeAsync("data-prepared-early"));
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FiltersShowOnlyTheProbesAsked()
    {
        var (page, errors, canvas) = await OpenTimelineAsync();
        // Probes 0 and 3 are circles.
        await page.SelectOptionAsync("#class-filter", "0");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-row-ids", "0,3");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "10");
        await page.SelectOptionAsync("#class-filter", "-1");
        // Probe 4 is right at snapshots 2 and 3 and wrong at 4: the only flip.
        await page.SelectOptionAsync("#probe-filter", "flipped");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-row-ids", "4");
        await Browser.ScreenshotAsync(page, "timeline-flipped");
        // A quarter of six probes is under four: the four whose maps moved most, probe 0's blob travelling furthest.
        await page.SelectOptionAsync("#probe-filter", "drift");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rows", "4");
        Assert.StartsWith("0,", await canvas.GetAttributeAsync("data-row-ids"));
        // Both filters at once: flipped circles are none.
        await page.SelectOptionAsync("#probe-filter", "flipped");
        await page.SelectOptionAsync("#class-filter", "0");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rows", "0");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PlayStepsToTheEndAndTheSliderScrubs()
    {
        var (page, errors, canvas) = await OpenTimelineAsync();
        await page.EvaluateAsync("() => { const s = document.querySelector('#scrub'); s.value = '2'; s.dispatchEvent(new Event('input')); }");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-column", "2");
        await Assertions.Expect(page.Locator("#scrub-label")).ToHaveTextAsync("snapshot 2 · epoch 2 · step 24");
        await page.ClickAsync("#play");
        await Assertions.Expect(page.Locator("#play")).ToHaveAttributeAsync("data-playing", "true");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-column", "4", new LocatorAssertionsToHaveAttributeOptions { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#play")).ToHaveAttributeAsync("data-playing", "false");
        Assert.Equal("4", await page.InputValueAsync("#scrub"));
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ATimeChosenInOneViewIsChosenInTheOthers()
    {
        var (page, errors, canvas) = await OpenTimelineAsync();
        // The slider on the timeline selects step 36 for the run: the overview's three charts draw it.
        await page.EvaluateAsync("() => { const s = document.querySelector('#scrub'); s.value = '3'; s.dispatchEvent(new Event('input')); }");
        await Assertions.Expect(page.Locator("#timeline-strip .uplot")).ToHaveAttributeAsync("data-selected-step", "36");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}");
        await Assertions.Expect(page.Locator(".charts .uplot[data-selected-step='36']")).ToHaveCountAsync(3);

        // A click near the start of an overview chart selects the first snapshot; the timeline opens there.
        var over = page.Locator(".charts .u-over").First;
        await over.ClickAsync(new LocatorClickOptions { Position = new Position { X = 2, Y = 20 } });
        await Assertions.Expect(page.Locator(".charts .uplot[data-selected-step='0']")).ToHaveCountAsync(3);
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        await Assertions.Expect(page.Locator("canvas#timeline[data-drawn='true']")).ToHaveAttributeAsync("data-column", "0");

        // A click at the right end of the loss strip above the timeline selects the last snapshot in the grid.
        var strip = page.Locator("#timeline-strip .u-over");
        var box = (await strip.BoundingBoxAsync())!;
        await strip.ClickAsync(new LocatorClickOptions { Position = new Position { X = box.Width - 2, Y = box.Height / 2 } });
        await Assertions.Expect(page.Locator("canvas#timeline")).ToHaveAttributeAsync("data-column", "4");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task HoveringAGridColumnMovesTheChartCursorAndHoveringAChartLightsTheColumn()
    {
        var (page, errors, canvas) = await OpenTimelineAsync();
        var strip = page.Locator("#timeline-strip .uplot");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-hover-column", "-1");
        var geometry = (await canvas.GetAttributeAsync("data-geometry"))!.Split(',').Select(x => float.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var (left, top, size, pitch) = (geometry[0], geometry[1], geometry[2], geometry[3]);

        // The pointer over the fourth column (step 36) of the grid: the loss strip's cursor goes there.
        await canvas.HoverAsync(new LocatorHoverOptions { Position = new Position { X = left + 3 * pitch + size / 2, Y = top + size / 2 } });
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-hover-column", "3");
        await Assertions.Expect(strip).ToHaveAttributeAsync("data-hover-step", "36");
        var cursor = page.Locator("#timeline-strip .u-cursor-x");
        var over = (await page.Locator("#timeline-strip .u-over").BoundingBoxAsync())!;
        var at = (await cursor.BoundingBoxAsync())!;
        // At step 36 of the strip's axis, which spans the loss's steps 1..60.
        var expected = over.Width * (36 - 1) / (60 - 1);
        Assert.InRange(at.X - over.X, expected - 3, expected + 3);
        // Hovering is not choosing: the selected column stays where it was.
        Assert.NotEqual("3", await canvas.GetAttributeAsync("data-column"));

        // The pointer near the start of the strip: the first column lights up in the grid.
        await page.Locator("#timeline-strip .u-over").HoverAsync(new LocatorHoverOptions { Position = new Position { X = 2, Y = over.Height / 2 } });
        await Assertions.Expect(strip).ToHaveAttributeAsync("data-hover-step", "0");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-hover-column", "0");
        await Browser.ScreenshotAsync(page, "timeline-hover");

        // Off both: nothing is hovered any more.
        await page.Mouse.MoveAsync(5, 5);
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-hover-column", "-1");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheTrustChartsShareTheSelectedTime()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/trust");
        await Assertions.Expect(page.Locator("#trust[data-charts]")).ToHaveAttributeAsync("data-charts", "4");
        // A click at the right end of the loss chart selects the last snapshot (step 48) in all four.
        var over = page.Locator("#trust .u-over").First;
        var box = (await over.BoundingBoxAsync())!;
        await over.ClickAsync(new LocatorClickOptions { Position = new Position { X = box.Width - 2, Y = box.Height / 2 } });
        await Assertions.Expect(page.Locator("#trust .uplot[data-selected-step='48']")).ToHaveCountAsync(4);
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        await Assertions.Expect(page.Locator("canvas#timeline[data-drawn='true']")).ToHaveAttributeAsync("data-column", "4");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheArrowKeysStepThroughTheSnapshotsOnTheChartPagesToo()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}");
        await Assertions.Expect(page.Locator(".charts[data-charts]")).ToHaveAttributeAsync("data-charts", "3");
        var selected = page.Locator(".charts .uplot").First;
        // Nothing chosen yet: → starts at the first snapshot, then steps one snapshot at a time; ← steps back.
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(selected).ToHaveAttributeAsync("data-selected-step", "0");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(page.Locator(".charts .uplot[data-selected-step='24']")).ToHaveCountAsync(3);
        await page.Keyboard.PressAsync("ArrowLeft");
        await Assertions.Expect(selected).ToHaveAttributeAsync("data-selected-step", "12");

        // On the trust view as well; the timeline opens at the snapshot chosen there, and there ← → move the grid once per press.
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/trust");
        await Assertions.Expect(page.Locator("#trust[data-charts]")).ToHaveAttributeAsync("data-charts", "4");
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(page.Locator("#trust .uplot[data-selected-step='24']")).ToHaveCountAsync(4);
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        var canvas = page.Locator("canvas#timeline[data-drawn='true']");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-column", "2");
        await Assertions.Expect(page.Locator("#timeline-strip .uplot")).ToHaveAttributeAsync("data-selected-step", "24");
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-column", "3");
        await Assertions.Expect(page.Locator("#timeline-strip .uplot")).ToHaveAttributeAsync("data-selected-step", "36");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheLayerViewFramesTheChosenSnapshotAndAClickChoosesOne()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/layers");
        var layers = page.Locator("canvas#layers");
        var histograms = page.Locator("canvas#histograms");
        await Assertions.Expect(layers).ToHaveAttributeAsync("data-selected-column", "-1");
        // The heat strip's columns start right of the 210-pixel labels; a click in the fourth (step 36) chooses it in both views.
        var width = (await layers.BoundingBoxAsync())!.Width;
        var column = Math.Max(6, Math.Min(48, Math.Floor((width - 210 - 90) / 5)));
        await layers.ClickAsync(new LocatorClickOptions { Position = new Position { X = (float)(210 + 3.5 * column), Y = 40 } });
        await Assertions.Expect(layers).ToHaveAttributeAsync("data-selected-column", "3");
        await Assertions.Expect(histograms).ToHaveAttributeAsync("data-selected-column", "3");
        await Browser.ScreenshotAsync(page, "layers-selected");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        await Assertions.Expect(page.Locator("canvas#timeline[data-drawn='true']")).ToHaveAttributeAsync("data-column", "3");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheFilterViewFramesTheChosenSnapshotAndAClickChoosesOne()
    {
        var (page, errors, _) = await OpenTimelineAsync();
        await page.EvaluateAsync("() => { const s = document.querySelector('#scrub'); s.value = '2'; s.dispatchEvent(new Event('input')); }");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/filters");
        var filters = page.Locator("canvas#filters");
        await Assertions.Expect(filters).ToHaveAttributeAsync("data-selected-column", "2");
        // Columns start right of the 70-pixel labels, one tile and a 2-pixel gap each; the canvas ends 8 pixels after the last.
        var pitch = ((await filters.BoundingBoxAsync())!.Width - 78) / 5;
        await filters.ClickAsync(new LocatorClickOptions { Position = new Position { X = 70 + 4.5f * pitch, Y = 40 } });
        await Assertions.Expect(filters).ToHaveAttributeAsync("data-selected-column", "4");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        await Assertions.Expect(page.Locator("canvas#timeline[data-drawn='true']")).ToHaveAttributeAsync("data-column", "4");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheCubeOutlinesTheEpochOfTheChosenSnapshot()
    {
        var (page, errors, _) = await OpenTimelineAsync();
        // Step 36 is nearest to the second epoch's end (step 40; epochs end at 20, 40, 60).
        await page.EvaluateAsync("() => { const s = document.querySelector('#scrub'); s.value = '3'; s.dispatchEvent(new Event('input')); }");
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/cube");
        var cube = page.Locator("canvas#cube");
        await Assertions.Expect(cube).ToHaveAttributeAsync("data-selected-epoch", "2");
        await Browser.ScreenshotAsync(page, "cube-selected");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LayerViewDrawsAChosenLayersWeightHistogramsOverTime()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/layers");
        var histograms = page.Locator("canvas#histograms");
        await Assertions.Expect(histograms).ToHaveAttributeAsync("data-layer", "features.0.weight");
        Assert.Equal("5", await histograms.GetAttributeAsync("data-columns"));
        await Browser.ScreenshotAsync(page, "layers-histograms");
        await page.SelectOptionAsync("#histogram-layer", "classifier.weight");
        await Assertions.Expect(histograms).ToHaveAttributeAsync("data-layer", "classifier.weight");
        Assert.Equal(SampleStore.Layers.Length, await page.Locator("#histogram-layer option").CountAsync());
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
