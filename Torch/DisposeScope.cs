namespace CnnVis.Torch;

/// <summary>
/// Frees every tensor made while it is current and not moved out. The current scope flows with
/// async/await (AsyncLocal), so a scope opened before an await still owns what is made after it.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    private static readonly AsyncLocal<DisposeScope?> s_current = new();
    private readonly List<Tensor> _tensors = new();
    private bool _disposed;

    internal DisposeScope()
    {
        Outer = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>The scope that was current when this one opened.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>The scope new tensors join, or null when none is open.</summary>
    public static DisposeScope? Current => s_current.Value;

    /// <summary>How many tensors this scope still owns.</summary>
    public int Count
    {
        get
        {
            lock (_tensors) return _tensors.Count(t => t.OwningScope == this);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with no scope current, so what it makes outlives the caller's scopes
    /// (forward hooks keep activations this way), then restores the scope.
    /// </summary>
    internal static T WithoutScope<T>(Func<T> action)
    {
        var saved = s_current.Value;
        s_current.Value = null;
        try
        {
            return action();
        }
        finally
        {
            s_current.Value = saved;
        }
    }

    internal static void Register(Tensor t)
    {
        var scope = s_current.Value;
        if (scope is null) return;
        scope.Attach(t);
    }

    internal void Attach(Tensor t)
    {
        // Tasks started inside a scope inherit it, so tensors can arrive from several threads at once.
        lock (_tensors)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(DisposeScope));
            t.OwningScope = this;
            _tensors.Add(t);
        }
    }

    /// <summary>Keeps <paramref name="t"/> alive past this scope: it moves to the outer scope, or to none.</summary>
    public T MoveToOuter<T>(T t) where T : Tensor
    {
        if (t.OwningScope != this) return t;
        t.OwningScope = null;
        LiveOuter()?.Attach(t);
        return t;
    }

    // An outer scope can end before this one when scopes are disposed out of order; skip the dead ones.
    private DisposeScope? LiveOuter()
    {
        var s = Outer;
        while (s is { _disposed: true }) s = s.Outer;
        return s;
    }

    /// <summary>Detaches tensors from every scope: the caller disposes them.</summary>
    public static T Detach<T>(T t) where T : Tensor
    {
        t.OwningScope = null;
        return t;
    }

    public void Dispose()
    {
        Tensor[] owned;
        lock (_tensors)
        {
            if (_disposed) return;
            _disposed = true;
            owned = _tensors.Where(t => t.OwningScope == this).ToArray();
            _tensors.Clear();
        }
        foreach (var t in owned) t.Dispose();
        // Restore the outer scope only if this one is still current (scopes end innermost first).
        if (s_current.Value == this) s_current.Value = LiveOuter();
    }
}
