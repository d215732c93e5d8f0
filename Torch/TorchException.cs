using System.Runtime.InteropServices;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>
/// libtorch (or the native binding) refused a call: a bad argument, shape, type or file, which the caller can fix.
/// Its two subtypes are what the caller cannot fix: <see cref="TorchOutOfMemoryException"/> (a resource limit) and
/// <see cref="TorchInternalException"/> (a defect).
/// </summary>
public class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    public TorchException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The one funnel from a native status code to an exception, typed by the status.</summary>
    internal static void ThrowIfFailed(int status, string? context = null)
    {
        if (status == NativeStatus.Ok) return;
        var message = Marshal.PtrToStringUTF8(NativeMethods.cv_last_error()) ?? "unknown native error";
        throw Of(status, context is null ? message : $"{context}: {message}");
    }

    /// <summary>The same kind of error with <paramref name="context"/> (a file's name, say) in front of its message.</summary>
    internal TorchException WithContext(string context) => this switch
    {
        TorchOutOfMemoryException => new TorchOutOfMemoryException($"{context}: {Message}", this),
        TorchInternalException => new TorchInternalException($"{context}: {Message}", this),
        _ => new TorchException($"{context}: {Message}", this),
    };

    private static TorchException Of(int status, string message) => status switch
    {
        NativeStatus.OutOfMemory => new TorchOutOfMemoryException(message),
        NativeStatus.Internal => new TorchInternalException(message),
        _ => new TorchException(message),
    };
}
