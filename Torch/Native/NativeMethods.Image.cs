using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial int cv_image_decode(void* bytes, long nbytes, int channels, long maxPixels, out IntPtr tensor);

    [LibraryImport(Library)]
    internal static partial int cv_image_live_buffers(out long count);

    [LibraryImport(Library)]
    internal static partial int cv_image_encode_png(TensorHandle tensor, out IntPtr data, out long nbytes);

    [LibraryImport(Library)]
    internal static partial int cv_free(IntPtr p);
}
