using CnnVis.Dashboard.Computation;

namespace CnnVis.Dashboard.Tests;

/// <summary>The background queue that runs page computations: bounded, a busy answer when full, cancellation, a concurrency cap.</summary>
public sealed class ComputationQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly List<ComputationQueue> _queues = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.StopAsync(CancellationToken.None);
            queue.Dispose();
        }
    }

    private async Task<ComputationQueue> StartAsync(int capacity, int maxConcurrent)
    {
        var queue = new ComputationQueue(capacity, maxConcurrent);
        _queues.Add(queue);
        await queue.StartAsync(CancellationToken.None);
        return queue;
    }

    /// <summary>A job that says when it started and then waits for <paramref name="release"/>.</summary>
    private static ComputationJob Blocking(ComputationQueue queue, ManualResetEventSlim release, TaskCompletionSource started, CancellationToken cancellation = default) =>
        queue.TryEnqueue("blocker", context =>
        {
            started.TrySetResult();
            release.Wait(context.Cancellation);
        }, cancellation: cancellation) ?? throw new InvalidOperationException("the blocker was not queued");

    [Fact]
    public async Task AFullQueueAnswersBusyInsteadOfWaiting()
    {
        var queue = await StartAsync(capacity: 2, maxConcurrent: 1);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        using var running = Blocking(queue, release, started);
        await started.Task.WaitAsync(s_wait);
        var ran = 0;
        using var second = queue.TryEnqueue("second", _ => Interlocked.Increment(ref ran));
        using var third = queue.TryEnqueue("third", _ => Interlocked.Increment(ref ran));
        Assert.NotNull(second);
        Assert.NotNull(third);
        Assert.Equal(2, queue.Waiting);

        var fourth = queue.TryEnqueue("fourth", _ => Interlocked.Increment(ref ran));
        Assert.Null(fourth);
        Assert.Equal("The dashboard is busy: 1 computation is running and 2 waiting (at most 2). Try again in a moment.", queue.BusyMessage);

        release.Set();
        await Task.WhenAll(running.Completion, second!.Completion, third!.Completion).WaitAsync(s_wait);
        Assert.Equal(2, ran);
        Assert.Equal(ComputationState.Done, third.State);
        // Room again once the queue drained.
        using var fifth = queue.TryEnqueue("fifth", _ => Interlocked.Increment(ref ran));
        Assert.NotNull(fifth);
        await fifth!.Completion.WaitAsync(s_wait);
        Assert.Equal(3, ran);
    }

    [Fact]
    public async Task AWaitingJobThatIsCancelledEndsAtOnceAndNeverRuns()
    {
        var queue = await StartAsync(capacity: 4, maxConcurrent: 1);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        using var running = Blocking(queue, release, started);
        await started.Task.WaitAsync(s_wait);
        using var leave = new CancellationTokenSource();
        var ran = false;
        using var waiting = queue.TryEnqueue("left behind", _ => ran = true, cancellation: leave.Token)!;

        leave.Cancel();
        // Cancelled while the only worker is still busy: the job ends without waiting for its turn.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion.WaitAsync(s_wait));
        Assert.Equal(ComputationState.Cancelled, waiting.State);
        Assert.False(running.Completion.IsCompleted);

        release.Set();
        await running.Completion.WaitAsync(s_wait);
        using var after = queue.TryEnqueue("after", _ => { })!;
        await after.Completion.WaitAsync(s_wait);
        Assert.False(ran);
    }

    [Fact]
    public async Task ARunningJobStopsAtItsNextCheckWhenCancelled()
    {
        var queue = await StartAsync(capacity: 4, maxConcurrent: 1);
        var started = new TaskCompletionSource();
        var steps = 0;
        using var job = queue.TryEnqueue("long", context =>
        {
            for (var k = 0; k < 10_000; k++)
            {
                context.ThrowIfCancellationRequested();
                Interlocked.Increment(ref steps);
                started.TrySetResult();
                Thread.Sleep(5);
            }
        })!;
        await started.Task.WaitAsync(s_wait);
        job.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion.WaitAsync(s_wait));
        Assert.Equal(ComputationState.Cancelled, job.State);
        Assert.InRange(Volatile.Read(ref steps), 1, 9_999);
        // The worker is free for the next job.
        using var next = queue.TryEnqueue("next", _ => { })!;
        await next.Completion.WaitAsync(s_wait);
        Assert.Equal(ComputationState.Done, next.State);
    }

    [Fact]
    public async Task NoMoreThanTheCapRunAtOnce()
    {
        var queue = await StartAsync(capacity: 8, maxConcurrent: 2);
        var now = 0;
        var most = 0;
        var jobs = Enumerable.Range(0, 6).Select(k => queue.TryEnqueue($"job {k}", _ =>
        {
            var mine = Interlocked.Increment(ref now);
            InterlockedMax(ref most, mine);
            Thread.Sleep(60);
            Interlocked.Decrement(ref now);
        })!).ToList();
        await Task.WhenAll(jobs.Select(j => j.Completion)).WaitAsync(s_wait);
        Assert.Equal(2, most);
        Assert.All(jobs, j => Assert.Equal(ComputationState.Done, j.State));
        foreach (var job in jobs) job.Dispose();
    }

    [Fact]
    public async Task JobsRunOffTheCallersContextReportProgressAndFailWithTheirOwnException()
    {
        var queue = await StartAsync(capacity: 4, maxConcurrent: 1);
        var reports = new List<ComputationProgress>();
        var progress = new Recorder(reports);
        SynchronizationContext? seen = new();
        using var job = queue.TryEnqueue("reports", context =>
        {
            seen = SynchronizationContext.Current;
            context.Report(0.25, "first");
            // Reports closer than a tenth of a second are thinned out, except the last.
            context.Report(0.5, "thinned");
            context.Report(1, "done");
        }, progress)!;
        await job.Completion.WaitAsync(s_wait);
        Assert.Null(seen);
        Assert.Equal([new ComputationProgress(0.25, "first"), new ComputationProgress(1, "done")], reports);

        using var failing = queue.TryEnqueue("fails", _ => throw new InvalidDataException("bad checkpoint"))!;
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => failing.Completion.WaitAsync(s_wait));
        Assert.Equal("bad checkpoint", e.Message);
        Assert.Equal(ComputationState.Failed, failing.State);
        using var next = queue.TryEnqueue("next", _ => { })!;
        await next.Completion.WaitAsync(s_wait);
    }

    [Fact]
    public async Task StoppingTheAppCancelsWhatIsStillWaiting()
    {
        var queue = new ComputationQueue(capacity: 4, maxConcurrent: 1);
        await queue.StartAsync(CancellationToken.None);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        using var running = Blocking(queue, release, started);
        await started.Task.WaitAsync(s_wait);
        using var waiting = queue.TryEnqueue("waiting", _ => { })!;
        await queue.StopAsync(CancellationToken.None).WaitAsync(s_wait);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Completion.WaitAsync(s_wait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion.WaitAsync(s_wait));
        Assert.Null(queue.TryEnqueue("after stop", _ => { }));
        queue.Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>Records reports as they come, on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder(List<ComputationProgress> reports) : IProgress<ComputationProgress>
    {
        public void Report(ComputationProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
