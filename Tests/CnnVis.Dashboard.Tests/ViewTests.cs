using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>Each view of the real app in headless chromium: it loads without a console error and shows its content.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ViewTests(Browser browser, SampleDashboard dashboard) : IClassFixture<SampleDashboard>
{
    private readonly SampleStore _store = dashboard.Store;
    private readonly DashboardHost _host = dashboard.Host;

    [Fact]
    public async Task RunsListShowsTheRunWithItsFacts()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync(_host.Address + "/");
        var row = page.Locator("table.runs tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        var text = await row.InnerTextAsync();
        Assert.Contains("shapes-fashionnet", text);
        Assert.Contains("finished", text);
        Assert.Contains("synthetic-shapes", text);
        Assert.Contains("3 / 3", text);
        // Best validation accuracy of the sample run: at epoch 3 the flipping images are right again, 4 of 45 stay wrong.
        Assert.Contains("91.1%", text);
        await Browser.ScreenshotAsync(page, "runs");
        await page.Locator("table.runs a").First.ClickAsync();
        await page.WaitForURLAsync($"**/runs/{_store.RunId}");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OverviewChartsTheMetricsOnOneStepAxis()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}");
        var charts = page.Locator(".charts[data-charts]");
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-charts", "3");
        // 60 steps of train.loss and lr, 3 epochs of val.loss and val.accuracy.
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-points", "126");
        await Assertions.Expect(page.Locator(".uplot")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".u-title")).ToHaveTextAsync(["Loss", "Accuracy", "Learning rate"]);
        await Browser.ScreenshotAsync(page, "overview");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TimelineDrawsEveryProbeAtEverySnapshotAndStepsWithTheKeys()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/timeline");
        var canvas = page.Locator("canvas#timeline");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", (6 * 5).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("6", await canvas.GetAttributeAsync("data-probes"));
        Assert.Equal("5", await canvas.GetAttributeAsync("data-snapshots"));
        // The page fetched the data and rendered the grid while its circuit was starting; the view only put it on screen.
        Assert.Equal("true", await canvas.GetAttributeAsync("data-prepared-early"));

        // Another method is another request, drawn over the same grid.
        await page.SelectOptionAsync("#kind", "guided-backprop|true");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-cells", "30");
        await page.SelectOptionAsync("#kind", "gradcam|true");

        // Click the first probe at the third snapshot: it opens large, with its prediction.
        var geometry = (await canvas.GetAttributeAsync("data-geometry"))!.Split(',').Select(x => float.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var (left, top, size, pitch) = (geometry[0], geometry[1], geometry[2], geometry[3]);
        await canvas.ClickAsync(new LocatorClickOptions { Position = new Position { X = left + 2 * pitch + size / 2, Y = top + size / 2 } });
        var large = page.Locator("#timeline-large .large-title");
        await Assertions.Expect(large).ToContainTextAsync("probe 0 · circle · snapshot 2");
        await Assertions.Expect(large).ToContainTextAsync("predicted circle (right)");
        // Beside it, the other method at that snapshot and the Grad-CAM channel weights behind the map.
        await Assertions.Expect(page.Locator("#timeline-large .large-others figcaption")).ToHaveTextAsync(["guided-backprop · true"]);
        var weights = page.Locator("#timeline-large canvas.weights");
        await Assertions.Expect(weights).ToHaveAttributeAsync("data-channels", SampleStore.CamChannels.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(weights).ToHaveAttributeAsync("data-layer", SampleStore.CamLayer);
        // Probe 0 at snapshot 2: the weights 0.1 (k − 3) − 0.04, so channels 7, 6 and 5 are the strongest.
        await Assertions.Expect(page.Locator("#timeline-large .large-note")).ToContainTextAsync("strongest: #7 (0.36), #6 (0.26), #5 (0.16)");
        await Browser.ScreenshotAsync(page, "timeline");
        await Browser.ScreenshotAsync(page.Locator("#timeline-large"), "timeline-large");
        await page.Keyboard.PressAsync("ArrowLeft");
        await Assertions.Expect(large).ToContainTextAsync("snapshot 1");
        await Assertions.Expect(large).ToContainTextAsync("predicted square (wrong)");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(large).ToContainTextAsync("snapshot 3");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CubeHasOneMarkPerValidationImage()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/cube");
        var canvas = page.Locator("canvas#cube");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-marks", "45");
        Assert.Equal("3", await canvas.GetAttributeAsync("data-epochs"));
        await Assertions.Expect(page.Locator("#class-accuracy .uplot")).ToHaveCountAsync(1);
        await Browser.ScreenshotAsync(page, "cube");
        await page.SelectOptionAsync("#colouring", "probability");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-marks", "45");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LayerViewHasOneRowPerLayer()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/layers");
        var canvas = page.Locator("canvas#layers");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rows", SampleStore.Layers.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("5", await canvas.GetAttributeAsync("data-columns"));
        await Browser.ScreenshotAsync(page, "layers");
        await page.SelectOptionAsync("#measure", "gradientNorm");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rows", "5");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FiltersShowEveryFilterAtEverySnapshot()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/filters");
        var canvas = page.Locator("canvas#filters");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-tiles", (SampleStore.FilterCount * 5).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("8", await canvas.GetAttributeAsync("data-filters"));
        await Browser.ScreenshotAsync(page, "filters");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TrustChartsLossDriftAndFaithfulness()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/trust");
        var charts = page.Locator("#trust[data-charts]");
        await Assertions.Expect(charts).ToHaveAttributeAsync("data-charts", "4");
        await Assertions.Expect(page.Locator("#trust .u-title")).ToHaveTextAsync(["Training loss", "Accuracy: training vs validation", "Explanation drift (1 − Spearman vs previous snapshot)", "Faithfulness"]);
        // No planted shortcut in this run's data: nothing to read about one.
        await Assertions.Expect(page.Locator("#shortcut")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#trust .u-legend")).ToContainTextAsync(["train.loss", "gradcam · true", "gradcam · true · deletion-auc"]);
        await Browser.ScreenshotAsync(page, "trust");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
