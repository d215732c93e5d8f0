using System.Net;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// A run trained on synthetic shapes with the spurious marker reads as such on the trust view: the planted shortcut
/// named, training against validation accuracy, and the explanations' energy on the object, in words and in a chart.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ShortcutTests(Browser browser) : IAsyncLifetime
{
    // One epoch: the sample's validation images are all wrong at epoch 1 (0%), while training reached 90%.
    private readonly SampleStore _store = new(probes: 3, snapshots: 3, epochs: 1, validation: 9);
    private DashboardHost _host = default!;
    private long _shortcut;

    public async Task InitializeAsync()
    {
        _shortcut = _store.AddRun("shapes-marker", "synthetic-shapes?size=32&marker=0.9", trainAccuracy: 0.9);
        _host = await DashboardHost.StartAsync(_store.Path);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _store.Dispose();
    }

    [Theory]
    [InlineData("synthetic-shapes?size=32&marker=0.9", 0.9)]
    [InlineData("synthetic-shapes?marker=0.75", 0.75)]
    [InlineData("synthetic-shapes?size=32", null)]
    [InlineData("synthetic-shapes?marker=0", null)]
    [InlineData("synthetic-shapes?marker=lots", null)]
    [InlineData("fashion-mnist", null)]
    public void TheMarkerIsReadFromTheDatasetSpec(string dataset, double? marker) => Assert.Equal(marker, ShortcutCheck.MarkerOf(dataset));

    [Fact]
    public void ATrainingLeadOfTenPointsOrMoreReadsAsTheShortcut()
    {
        var run = Run("synthetic-shapes?marker=0.9");
        var train = new MetricSeries("train.accuracy", [100, 200], [1, 2], [0.6, 0.95]);
        var validation = new MetricSeries("val.accuracy", [100, 200], [1, 2], [0.55, 0.62]);
        var trust = new TrustSeries([0, 1, 2], [0, 100, 200], [], [new TrustLine("gradcam · true · energy-in-mask", [0.4, null, 0.21])], []);
        var reading = ShortcutCheck.Read(run, train, validation, trust)!;
        Assert.True(reading.Suspected);
        Assert.Equal(0.33, reading.Gap!.Value, 1e-9);
        Assert.Equal((0.4, 0.21), (reading.EnergyFirst, reading.EnergyLast));
        Assert.Equal("Training images carried a planted shortcut: a marker square that names the class 90% of the time; validation images never have it. "
            + "Shortcut learning shows: training accuracy 95% against validation 62%, 33 points ahead, so the network scores on the marker rather than the shape. "
            + "The explanations put 21% of their energy on the object (first snapshot: 40%).", reading.Verdict);

        var close = ShortcutCheck.Read(run, train, new MetricSeries("val.accuracy", [200], [2], [0.9]), trust)!;
        Assert.False(close.Suspected);
        Assert.Contains("No sign of it yet: training accuracy 95% and validation 90% are within 10 points.", close.Verdict);
        Assert.Null(ShortcutCheck.Read(Run("synthetic-shapes"), train, validation, trust));
    }

    [Fact]
    public async Task TheTrustViewSaysTheShortcutShowsAndChartsTheGap()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_shortcut}/trust");
        var note = page.Locator("#shortcut");
        await Assertions.Expect(note).ToHaveAttributeAsync("data-suspected", "true");
        await Assertions.Expect(note).ToContainTextAsync("Shortcut learning shows: training accuracy 90% against validation 0%, 90 points ahead");
        // The sample's energy in the mask: 0.6 at the first snapshot, 0.4 at the third.
        await Assertions.Expect(note).ToContainTextAsync($"The explanations put {SampleStore.EnergyInMask(2) * 100:0.#}% of their energy on the object (first snapshot: 60%).");
        await Assertions.Expect(page.Locator("#trust .u-title").Nth(1)).ToHaveTextAsync("Accuracy: training vs validation");
        await Assertions.Expect(page.Locator("#trust .u-legend").Nth(1)).ToContainTextAsync("train.accuracy");
        await Assertions.Expect(page.Locator("#trust .u-legend").Nth(1)).ToContainTextAsync("val.accuracy");
        await Browser.ScreenshotAsync(page, "trust-shortcut");
        Assert.Empty(errors);
        await page.Context.CloseAsync();

        // The same run's data without the marker has nothing to say about a shortcut.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var plain = WebUtility.HtmlDecode(await http.GetStringAsync($"{_host.Address}/runs/{_store.RunId}/trust"));
        Assert.DoesNotContain("shortcut", plain, StringComparison.OrdinalIgnoreCase);
    }

    private static RunSummary Run(string dataset) => new(1, "run", RunStatus.Finished, null, dataset, "fashionnet", "{}", SampleStore.ClassNames, 2, 2, 0.6,
        3, null, DateTime.UtcNow, DateTime.UtcNow, DateTime.UtcNow, null, null, 0);
}
