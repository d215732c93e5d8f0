namespace CnnVis.Dashboard.Computation;

/// <summary>
/// One piece of page work in the <see cref="ComputationQueue"/>. <see cref="Completion"/> ends when the work ran
/// (or failed with its exception), or is cancelled when <see cref="Cancel"/> or the caller's token stopped it,
/// whether it was still waiting (then it never runs) or already running (it stops at its next check).
/// </summary>
public sealed class ComputationJob : IDisposable
{
    private readonly Action<ComputationContext> _work;
    private readonly IProgress<ComputationProgress>? _progress;
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state = (int)ComputationState.Waiting;

    internal ComputationJob(string description, Action<ComputationContext> work, IProgress<ComputationProgress>? progress, CancellationToken cancellation)
    {
        Description = description;
        _work = work;
        _progress = progress;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // A waiting job that is cancelled ends at once; the worker that later takes it skips it.
        _cancel.Token.Register(() =>
        {
            if (Interlocked.CompareExchange(ref _state, (int)ComputationState.Cancelled, (int)ComputationState.Waiting) == (int)ComputationState.Waiting)
                _done.TrySetCanceled(_cancel.Token);
        });
    }

    /// <summary>What the job computes, for messages and logs.</summary>
    public string Description { get; }

    public ComputationState State => (ComputationState)Volatile.Read(ref _state);

    public Task Completion => _done.Task;

    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished and disposed: nothing left to stop.
        }
    }

    /// <summary>Runs the work on the calling (worker) thread, unless the job was cancelled while it waited.</summary>
    internal void Run(CancellationToken stopping)
    {
        if (Interlocked.CompareExchange(ref _state, (int)ComputationState.Running, (int)ComputationState.Waiting) != (int)ComputationState.Waiting) return;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, stopping);
        try
        {
            both.Token.ThrowIfCancellationRequested();
            _work(new ComputationContext(both.Token, _progress));
            both.Token.ThrowIfCancellationRequested();
            Volatile.Write(ref _state, (int)ComputationState.Done);
            _done.TrySetResult();
        }
        catch (OperationCanceledException) when (both.IsCancellationRequested)
        {
            Volatile.Write(ref _state, (int)ComputationState.Cancelled);
            _done.TrySetCanceled(both.Token);
        }
        catch (Exception e)
        {
            Volatile.Write(ref _state, (int)ComputationState.Failed);
            _done.TrySetException(e);
        }
    }

    /// <summary>Ends a job the queue could not take or will never run.</summary>
    internal void Abandon()
    {
        Volatile.Write(ref _state, (int)ComputationState.Cancelled);
        _done.TrySetCanceled();
    }

    public void Dispose() => _cancel.Dispose();
}
