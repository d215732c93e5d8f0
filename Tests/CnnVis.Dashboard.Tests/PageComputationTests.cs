using CnnVis.Dashboard.Computation;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// The one way a page runs a computation in the queue: its value, or a message for a full queue, a cancellation or a
/// failure; Running and Progress for the page while it waits; every re-render asked through the page's callbacks.
/// </summary>
public sealed class PageComputationTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly ComputationQueue _queue = new(capacity: 1, maxConcurrent: 1);
    private int _renders;

    public Task InitializeAsync() => _queue.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _queue.StopAsync(CancellationToken.None);
        _queue.Dispose();
    }

    // The page's InvokeAsync and StateHasChanged: run at once, count the renders.
    private PageComputation Page() => new(_queue, action =>
    {
        action();
        return Task.CompletedTask;
    }, () => Interlocked.Increment(ref _renders));

    [Fact]
    public async Task TheWorksValueComesBackAndProgressIsShownWhileItRuns()
    {
        using var page = Page();
        Assert.False(page.Running);
        using var reported = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var run = page.RunAsync("answer", context =>
        {
            context.Report(0.5, "half way");
            reported.Set();
            release.Wait(context.Cancellation);
            return 42;
        });
        Assert.True(reported.Wait(s_wait));
        Assert.True(page.Running);
        // Progress<T> posts the report to the thread pool (a test has no synchronization context): wait for it.
        var deadline = DateTime.UtcNow + s_wait;
        while (page.Progress.Stage != "half way" && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(new ComputationProgress(0.5, "half way"), page.Progress);
        var second = await page.RunAsync("another", _ => 1);
        Assert.False(second.Succeeded);
        Assert.Equal("A computation of this page is still running: wait for it or cancel it.", second.Message);

        release.Set();
        var outcome = await run.WaitAsync(s_wait);
        Assert.True(outcome.Succeeded);
        Assert.Equal(42, outcome.Value);
        Assert.Null(outcome.Failure);
        Assert.False(page.Running);
        // Once when queued, once for the report.
        Assert.True(_renders >= 2, $"{_renders} renders");
    }

    [Fact]
    public async Task AFullQueueIsAMessageAtOnceAndNothingRuns()
    {
        using var busy = Page();
        using var other = Page();
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var running = busy.RunAsync("blocker", context =>
        {
            started.Set();
            release.Wait(context.Cancellation);
            return 0;
        });
        Assert.True(started.Wait(s_wait));
        using var waiting = _queue.TryEnqueue("fills the queue", _ => { });
        Assert.NotNull(waiting);
        var ran = false;
        var outcome = await other.RunAsync("refused", _ => ran = true).WaitAsync(s_wait);
        Assert.False(outcome.Succeeded);
        Assert.Equal("The dashboard is busy: 1 computation is running and 1 waiting (at most 1). Try again in a moment.", outcome.Message);
        Assert.False(other.Running);
        release.Set();
        await running.WaitAsync(s_wait);
        await waiting!.Completion.WaitAsync(s_wait);
        Assert.False(ran);
    }

    [Fact]
    public async Task CancelAndLeavingThePageStopTheWorkAndSaySo()
    {
        using var page = Page();
        using var started = new ManualResetEventSlim();
        var run = page.RunAsync("long", context =>
        {
            started.Set();
            Task.Delay(Timeout.Infinite, context.Cancellation).Wait(context.Cancellation);
            return 1;
        });
        Assert.True(started.Wait(s_wait));
        page.Cancel();
        var outcome = await run.WaitAsync(s_wait);
        Assert.Equal(PageComputation.CancelledMessage, outcome.Message);
        Assert.Null(outcome.Failure);
        Assert.False(page.Running);

        var left = Page();
        using var again = new ManualResetEventSlim();
        var abandoned = left.RunAsync("left behind", context =>
        {
            again.Set();
            Task.Delay(Timeout.Infinite, context.Cancellation).Wait(context.Cancellation);
            return 1;
        });
        Assert.True(again.Wait(s_wait));
        left.Dispose();
        Assert.Equal(PageComputation.CancelledMessage, (await abandoned.WaitAsync(s_wait)).Message);
    }

    [Fact]
    public async Task AFailureIsItsMessageWithTheExceptionForTheLog()
    {
        using var page = Page();
        var outcome = await page.RunAsync<int>("fails", _ => throw new InvalidDataException("model.pt: changed since it was stored")).WaitAsync(s_wait);
        Assert.False(outcome.Succeeded);
        Assert.Equal("model.pt: changed since it was stored", outcome.Message);
        Assert.IsType<InvalidDataException>(outcome.Failure);
        Assert.False(page.Running);
    }
}
