using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial int cv_allocator_settings(out long mmapThreshold, out long trimThreshold);
}
