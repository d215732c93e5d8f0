using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial int cv_backward(TensorHandle t, IntPtr gradOrNull, int retainGraph, int createGraph);

    [LibraryImport(Library)]
    internal static partial int cv_autograd_grad(IntPtr* outputs, IntPtr* gradOutputs, int noutputs, IntPtr* inputs, int ninputs,
        int retainGraph, int createGraph, int allowUnused, IntPtr* results);

    [LibraryImport(Library)]
    internal static partial int cv_set_grad_enabled(int enabled, out int previous);

    [LibraryImport(Library)]
    internal static partial int cv_is_grad_enabled(out int enabled);
}
