namespace CnnVis.Dashboard.Computation;

/// <summary>
/// A page's one computation at a time in the <see cref="ComputationQueue"/>: queues the work, keeps
/// <see cref="Running"/> and <see cref="Progress"/> for the page to show (re-rendering it through the callbacks it
/// was made with), lets <see cref="Cancel"/> or <see cref="Dispose"/> (the user left) stop it, and turns every
/// ending into a <see cref="ComputationOutcome{T}"/>, so a page never repeats the queue's bookkeeping.
/// </summary>
public sealed class PageComputation : IDisposable
{
    public const string CancelledMessage = "Cancelled.";

    private readonly ComputationQueue _queue;
    private readonly Func<Action, Task> _invoke;
    private readonly Action _changed;
    private CancellationTokenSource? _cancel;

    /// <param name="queue">The dashboard's queue.</param>
    /// <param name="invoke">Runs an action on the page's renderer (a component's <c>InvokeAsync</c>).</param>
    /// <param name="changed">Asks the page to render again (a component's <c>StateHasChanged</c>).</param>
    public PageComputation(ComputationQueue queue, Func<Action, Task> invoke, Action changed)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(invoke);
        ArgumentNullException.ThrowIfNull(changed);
        _queue = queue;
        _invoke = invoke;
        _changed = changed;
    }

    public bool Running { get; private set; }

    public ComputationProgress Progress { get; private set; } = new(0, "waiting in the queue");

    /// <summary>
    /// Queues <paramref name="work"/> (it runs on a worker; it should check its context's cancellation) and waits
    /// for it. While it waits or runs, <see cref="Running"/> is true and <see cref="Progress"/> follows its reports.
    /// A full queue answers at once with the queue's busy message; a second call while one runs is refused.
    /// </summary>
    public async Task<ComputationOutcome<T>> RunAsync<T>(string description, Func<ComputationContext, T> work)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(work);
        if (Running) return ComputationOutcome<T>.Refused("A computation of this page is still running: wait for it or cancel it.");
        _cancel?.Dispose();
        _cancel = new CancellationTokenSource();
        var made = default(T);
        var progress = new Progress<ComputationProgress>(p => _ = _invoke(() =>
        {
            if (!Running) return;
            Progress = p;
            _changed();
        }));
        using var job = _queue.TryEnqueue(description, context => made = work(context), progress, _cancel.Token);
        if (job is null) return ComputationOutcome<T>.Refused(_queue.BusyMessage);
        Running = true;
        Progress = new ComputationProgress(0, _queue.Running >= _queue.MaxConcurrent ? "waiting in the queue" : "starting");
        _changed();
        try
        {
            await job.Completion;
            return ComputationOutcome<T>.Done(made!);
        }
        catch (OperationCanceledException)
        {
            return ComputationOutcome<T>.Refused(CancelledMessage);
        }
        catch (Exception e)
        {
            // The work's own failure, as a message for the page; the page decides whether to log it.
            return ComputationOutcome<T>.Failed(e);
        }
        finally
        {
            Running = false;
        }
    }

    /// <summary>Stops the computation, whether it is still waiting or already running.</summary>
    public void Cancel()
    {
        try
        {
            _cancel?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed with the page: nothing left to stop.
        }
    }

    public void Dispose()
    {
        Cancel();
        _cancel?.Dispose();
        _cancel = null;
    }
}
