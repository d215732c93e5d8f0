namespace CnnVis.Torch;

/// <summary>
/// The setting <see cref="torch.fused_inference"/> turns on for the current thread: while it is on and gradients are
/// off, <see cref="Modules.Sequential"/> containers run each run of Conv2d [→ BatchNorm2d in eval mode] [→ ReLU] and
/// MaxPool2d children (all in eval mode, none with forward hooks) as one <see cref="torch.ops.conv_stack"/> call, the
/// batch norm folded into the convolution. The result equals the modules' one by one up to float rounding.
/// Scopes nest; disposing one ends it even out of order (the setting falls back to the innermost scope still open).
/// </summary>
public sealed class FusedInference : IDisposable
{
    [ThreadStatic] private static FusedInference? t_current;
    [ThreadStatic] private static long t_stackCalls;

    private readonly FusedInference? _previous;
    private bool _disposed;

    internal FusedInference(bool winograd)
    {
        Winograd = winograd;
        _previous = t_current;
        t_current = this;
    }

    /// <summary>The setting in force on this thread, or null when fused inference is off.</summary>
    public static FusedInference? Current => t_current;

    /// <summary>How many conv_stack calls Sequential containers have made on this thread (a diagnostic: did fusion happen?).</summary>
    public static long StackCalls => t_stackCalls;

    /// <summary>Whether 3x3 stride-1 convolutions may use Winograd's algorithm (fewer multiplications, rounding of its own).</summary>
    public bool Winograd { get; }

    internal static void CountStackCall() => t_stackCalls++;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Back to the innermost scope still open: scopes disposed out of order are skipped.
        if (ReferenceEquals(t_current, this) || t_current is { _disposed: true })
        {
            var open = _previous;
            while (open is { _disposed: true }) open = open._previous;
            t_current = open;
        }
    }
}
