using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial int cv_manual_seed(ulong seed);

    [LibraryImport(Library)]
    internal static partial int cv_set_num_threads(int n);

    [LibraryImport(Library)]
    internal static partial int cv_get_num_threads(out int n);

    [LibraryImport(Library)]
    internal static partial int cv_version(out IntPtr text);

    [LibraryImport(Library)]
    internal static partial int cv_cuda_is_available(out int available);

    [LibraryImport(Library)]
    internal static partial int cv_configure_allocator(long mmapThreshold, long trimThreshold);
}
