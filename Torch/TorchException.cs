using System.Runtime.InteropServices;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>An error raised by libtorch (or by the native binding), carrying libtorch's message.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    /// <summary>The one funnel from a native status code to an exception.</summary>
    internal static void ThrowIfFailed(int status, string? context = null)
    {
        if (status == 0) return;
        var message = Marshal.PtrToStringUTF8(NativeMethods.cv_last_error()) ?? "unknown native error";
        throw new TorchException(context is null ? message : $"{context}: {message}");
    }
}
