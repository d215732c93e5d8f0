using System.Threading.Channels;

namespace CnnVis.Dashboard.Computation;

/// <summary>
/// The background service that runs page computations (post-hoc maps, activation maximization) off the circuits:
/// at most <see cref="MaxConcurrent"/> jobs run at once, each on a worker of its own, and at most
/// <see cref="Capacity"/> wait. A full queue does not block the page that asks: <see cref="TryEnqueue"/> answers
/// null and the page says the dashboard is busy, so one user's long Score-CAM cannot stall other pages.
/// </summary>
public sealed class ComputationQueue : BackgroundService
{
    public const int DefaultCapacity = 8;

    private readonly Channel<ComputationJob> _waiting;
    private readonly ILogger<ComputationQueue>? _logger;
    private int _running;

    public ComputationQueue(int capacity = DefaultCapacity, int maxConcurrent = 0, ILogger<ComputationQueue>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxConcurrent);
        Capacity = capacity;
        // Each job uses libtorch's own threads too: half the cores keeps room for the pages and the trainer.
        MaxConcurrent = maxConcurrent > 0 ? maxConcurrent : Math.Max(1, Environment.ProcessorCount / 2);
        _logger = logger;
        _waiting = Channel.CreateBounded<ComputationJob>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    /// <summary>How many jobs may wait.</summary>
    public int Capacity { get; }

    /// <summary>How many jobs run at once.</summary>
    public int MaxConcurrent { get; }

    public int Waiting => _waiting.Reader.Count;

    public int Running => Volatile.Read(ref _running);

    /// <summary>
    /// Queues <paramref name="work"/>, which runs on a worker thread and should check its context's cancellation
    /// between steps. Returns null when the queue is full (nothing was queued: ask again later).
    /// </summary>
    public ComputationJob? TryEnqueue(string description, Action<ComputationContext> work, IProgress<ComputationProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(work);
        var job = new ComputationJob(description, work, progress, cancellation);
        if (_waiting.Writer.TryWrite(job)) return job;
        job.Abandon();
        job.Dispose();
        return null;
    }

    /// <summary>What a page says when <see cref="TryEnqueue"/> answered null.</summary>
    public string BusyMessage =>
        $"The dashboard is busy: {Running} computation{(Running == 1 ? " is" : "s are")} running and {Waiting} waiting (at most {Capacity}). Try again in a moment.";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Long-running workers: a job holds its thread for seconds, which the thread pool should not have to absorb.
        var workers = Enumerable.Range(0, MaxConcurrent)
            .Select(k => Task.Factory.StartNew(() => Work(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        return Task.WhenAll(workers);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _waiting.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        while (_waiting.Reader.TryRead(out var left)) left.Abandon();
    }

    private void Work(CancellationToken stopping)
    {
        try
        {
            while (_waiting.Reader.WaitToReadAsync(stopping).AsTask().GetAwaiter().GetResult())
            {
                if (!_waiting.Reader.TryRead(out var job)) continue;
                Interlocked.Increment(ref _running);
                try
                {
                    job.Run(stopping);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                }
                if (job.State == ComputationState.Failed) _logger?.LogWarning(job.Completion.Exception?.InnerException, "computation '{Job}' failed", job.Description);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The app is stopping.
        }
    }
}
