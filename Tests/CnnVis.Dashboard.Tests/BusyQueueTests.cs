using CnnVis.Dashboard.Computation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// The pages that queue computations, in chromium, while the app's own queue is full (one job running, the eight
/// it lets wait waiting): the user reads the busy answer on the page, and once the queue drains the same click works.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BusyQueueTests(Browser browser) : IAsyncLifetime
{
    private readonly SampleStore _store = new(probes: 3, snapshots: 2, epochs: 1, validation: 6);
    private readonly ManualResetEventSlim _release = new();
    private readonly List<ComputationJob> _jobs = [];
    private DashboardHost _host = default!;

    public async Task InitializeAsync()
    {
        CheckpointFiles.Add(_store, 1, seed: 1);
        _host = await DashboardHost.StartAsync(_store.Path, "--jobs", "1");
    }

    public async Task DisposeAsync()
    {
        _release.Set();
        await Task.WhenAll(_jobs.Select(j => j.Completion)).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var job in _jobs) job.Dispose();
        await _host.DisposeAsync();
        _release.Dispose();
        _store.Dispose();
    }

    // One job holding the only worker and the queue filled behind it.
    private async Task<ComputationQueue> FillQueueAsync()
    {
        var queue = _host.Services.GetRequiredService<ComputationQueue>();
        var started = new TaskCompletionSource();
        _jobs.Add(queue.TryEnqueue("blocker", context =>
        {
            started.TrySetResult();
            _release.Wait(context.Cancellation);
        }) ?? throw new InvalidOperationException("the blocker was not queued"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var k = 0; k < ComputationQueue.DefaultCapacity; k++)
            _jobs.Add(queue.TryEnqueue($"waiting {k}", _ => { }) ?? throw new InvalidOperationException($"waiting job {k} was not queued"));
        Assert.Equal(ComputationQueue.DefaultCapacity, queue.Waiting);
        return queue;
    }

    private const string Busy = "The dashboard is busy: 1 computation is running and 8 waiting (at most 8). Try again in a moment.";

    [Fact]
    public async Task AFullQueueIsSaidOnThePostHocAndFiltersPagesAndTheSameClickWorksOnceItDrains()
    {
        await FillQueueAsync();

        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/posthoc");
        await Assertions.Expect(page.Locator(".posthoc")).ToHaveAttributeAsync("data-interactive", "true");
        await page.ClickAsync("#explain");
        var message = page.Locator("#message[role='alert']");
        await Assertions.Expect(message).ToHaveTextAsync(Busy);
        await Assertions.Expect(message).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "posthoc-busy");

        var (filters, filterErrors) = await browser.OpenAsync();
        await filters.GotoAsync($"{_host.Address}/runs/{_store.RunId}/filters");
        await Assertions.Expect(filters.Locator(".am")).ToHaveAttributeAsync("data-interactive", "true");
        await filters.FillAsync("#am-indices", "0");
        await filters.FillAsync("#am-steps", "4");
        await filters.ClickAsync("#am-run");
        var amMessage = filters.Locator("#am-message[role='alert']");
        await Assertions.Expect(amMessage).ToHaveTextAsync(Busy);
        await Assertions.Expect(amMessage).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(filters, "filters-busy");
        // Nothing was queued for the refused clicks: the button is ready again, no progress bar.
        await Assertions.Expect(filters.Locator("#am-run")).ToBeEnabledAsync();
        await Assertions.Expect(filters.Locator("progress")).ToHaveCountAsync(0);

        // The queue drains: the same click now makes the image.
        _release.Set();
        await Task.WhenAll(_jobs.Select(j => j.Completion)).WaitAsync(TimeSpan.FromSeconds(10));
        await filters.ClickAsync("#am-run");
        await Assertions.Expect(filters.Locator("#am-images")).ToHaveAttributeAsync("data-images", "1", new() { Timeout = 30_000 });
        await Assertions.Expect(amMessage).ToHaveCountAsync(0);
        Assert.Empty(errors);
        Assert.Empty(filterErrors);
        await page.Context.CloseAsync();
        await filters.Context.CloseAsync();
    }
}
