using CnnVis.Torch.Native;

namespace CnnVis.Torch;

public partial class Tensor
{
    /// <summary>
    /// Tensor handles the native library has made and not yet freed, counted on the native side: unlike
    /// <see cref="LiveCount"/> it also sees a handle made inside a call that failed before returning it.
    /// </summary>
    public static long NativeLiveCount
    {
        get
        {
            NativeMethods.EnsureLoaded();
            TorchException.ThrowIfFailed(NativeMethods.cv_live_handles(out var count));
            return count;
        }
    }
}
