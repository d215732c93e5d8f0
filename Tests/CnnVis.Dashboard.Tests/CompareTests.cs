using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>Two runs picked in the runs list open side by side: both runs' curves and the same probes' timelines.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CompareTests(Browser browser) : IAsyncLifetime
{
    private readonly SampleStore _store = new(probes: 3, snapshots: 4, epochs: 2, validation: 9);
    private DashboardHost _host = default!;
    private long _second;

    public async Task InitializeAsync()
    {
        _second = _store.AddRun("shapes-second");
        _host = await DashboardHost.StartAsync(_store.Path);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _store.Dispose();
    }

    [Fact]
    public async Task PickingTwoRunsOpensThemSideBySide()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync(_host.Address + "/");
        await Assertions.Expect(page.Locator("table.runs")).ToHaveAttributeAsync("data-interactive", "true");
        var compare = page.Locator("#compare");
        await Assertions.Expect(compare).ToBeDisabledAsync();
        await page.GetByLabel("compare shapes-fashionnet").CheckAsync();
        await page.GetByLabel("compare shapes-second").CheckAsync();
        await Assertions.Expect(compare).ToBeEnabledAsync();
        await compare.ClickAsync();
        // Blazor navigates within the page (no load event): poll the address.
        await Assertions.Expect(page).ToHaveURLAsync($"{_host.Address}/compare/{_store.RunId}/{_second}");
        await Assertions.Expect(page.Locator("#charts-left")).ToHaveAttributeAsync("data-charts", "3");
        await Assertions.Expect(page.Locator("#charts-right")).ToHaveAttributeAsync("data-charts", "3");
        await Assertions.Expect(page.Locator("canvas#timeline-left")).ToHaveAttributeAsync("data-cells", "12");
        await Assertions.Expect(page.Locator("canvas#timeline-right")).ToHaveAttributeAsync("data-cells", "12");
        await Browser.ScreenshotAsync(page, "compare");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AMissingRunIsNamed()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var page = System.Net.WebUtility.HtmlDecode(await http.GetStringAsync($"{_host.Address}/compare/{_store.RunId}/777"));
        Assert.Contains($"{_store.Path}: no run 777 in this store", page);
    }
}
