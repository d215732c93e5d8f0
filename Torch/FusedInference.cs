namespace CnnVis.Torch;

/// <summary>
/// The setting <see cref="torch.fused_inference"/> turns on for the current thread: while it is on and gradients are
/// off, <see cref="Modules.Sequential"/> containers run each run of Conv2d [→ BatchNorm2d in eval mode] [→ ReLU] and
/// MaxPool2d children (none with forward hooks) as one <see cref="torch.ops.conv_stack"/> call, the batch norm folded
/// into the convolution. The result equals the modules' one by one up to float rounding.
/// </summary>
public sealed class FusedInference : IDisposable
{
    [ThreadStatic] private static FusedInference? t_current;

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

    /// <summary>Whether 3x3 stride-1 convolutions may use Winograd's algorithm (fewer multiplications, rounding of its own).</summary>
    public bool Winograd { get; }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (ReferenceEquals(t_current, this)) t_current = _previous;
    }
}
