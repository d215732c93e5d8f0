using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

/// <summary>Owns one native at::Tensor*. Releasing it is the only place native tensors are freed.</summary>
internal sealed class TensorHandle : SafeHandle
{
    private static long s_live;

    internal static long Live => Interlocked.Read(ref s_live);

    internal TensorHandle(IntPtr raw) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(raw);
        Interlocked.Increment(ref s_live);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interlocked.Decrement(ref s_live);
        return NativeMethods.cv_tensor_free(handle) == 0;
    }
}
