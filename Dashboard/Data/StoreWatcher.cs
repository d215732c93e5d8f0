using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// Polls the store's data version in the background and tells subscribers when anything was committed, at most once
/// per poll interval (the throttle), so pages re-read only when there is something new.
/// </summary>
public sealed class StoreWatcher(RunRepository repository, TimeSpan interval, ILogger<StoreWatcher> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<Action> _subscribers = [];
    private long? _version;
    private bool _polled;

    /// <summary>Calls <paramref name="changed"/> (on a background thread) after each change; dispose to stop.</summary>
    public IDisposable Subscribe(Action changed)
    {
        lock (_gate) _subscribers.Add(changed);
        return new Subscription(this, changed);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            if (Poll()) Notify();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private bool Poll()
    {
        long? version;
        try
        {
            version = repository.DataVersion();
        }
        catch (RunStoreException)
        {
            // A missing or unreadable store: the pages say so; a store that appears later counts as a change.
            version = null;
        }
        var changed = _polled && version != _version;
        _polled = true;
        _version = version;
        return changed;
    }

    private void Notify()
    {
        Action[] subscribers;
        lock (_gate) subscribers = [.. _subscribers];
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber();
            }
            catch (Exception e)
            {
                // One page's failure must not stop the others' updates.
                logger.LogWarning(e, "a live-update subscriber failed");
            }
        }
    }

    private void Unsubscribe(Action changed)
    {
        lock (_gate) _subscribers.Remove(changed);
    }

    private sealed class Subscription(StoreWatcher owner, Action changed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Unsubscribe(changed);
        }
    }
}
