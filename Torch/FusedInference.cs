namespace CnnVis.Torch;

/// <summary>
/// The setting <see cref="torch.fused_inference"/> turns on: while it is on and gradients are off,
/// <see cref="Modules.Sequential"/> containers (with <see cref="Modules.Sequential.StackConvolutions"/>) run each run of
/// Conv2d [→ BatchNorm2d in eval mode] [→ ReLU] and MaxPool2d children (all in eval mode, none with forward hooks) as
/// one <see cref="torch.ops.conv_stack"/> call, the batch norm folded into the convolution. The result equals the
/// modules' one by one up to float rounding. Like dispose scopes, the setting follows async/await (AsyncLocal): a
/// scope opened before an await is still on after it, whichever thread the continuation runs on, and a task started
/// inside the scope inherits it. Scopes nest; disposing one ends it even out of order (the setting falls back to the
/// innermost scope still open).
/// </summary>
public sealed class FusedInference : IDisposable
{
    private static readonly AsyncLocal<FusedInference?> s_current = new();
    private static long s_stackCalls;

    private readonly FusedInference? _previous;
    private long _stackCalls;
    private bool _disposed;

    internal FusedInference(bool winograd)
    {
        Winograd = winograd;
        _previous = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>The setting in force in this execution flow, or null when fused inference is off.</summary>
    public static FusedInference? Current => s_current.Value;

    /// <summary>How many conv_stack calls Sequential containers have made in this process (a diagnostic: did fusion happen?).</summary>
    public static long StackCalls => Interlocked.Read(ref s_stackCalls);

    /// <summary>How many conv_stack calls Sequential containers have made while this scope was the one in force.</summary>
    public long ScopeStackCalls => Interlocked.Read(ref _stackCalls);

    /// <summary>Whether 3x3 stride-1 convolutions may use Winograd's algorithm (fewer multiplications, rounding of its own).</summary>
    public bool Winograd { get; }

    internal void CountStackCall()
    {
        Interlocked.Increment(ref _stackCalls);
        Interlocked.Increment(ref s_stackCalls);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Back to the innermost scope still open: scopes disposed out of order are skipped.
        var current = s_current.Value;
        if (ReferenceEquals(current, this) || current is { _disposed: true })
        {
            var open = _previous;
            while (open is { _disposed: true }) open = open._previous;
            s_current.Value = open;
        }
    }
}
