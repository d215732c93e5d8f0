using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int cv_state_dict_save(string path, IntPtr* names, IntPtr* tensors, int n);

    [LibraryImport(Library)]
    internal static partial int cv_state_dict_load(void* bytes, long nbytes, out IntPtr stateDict);

    [LibraryImport(Library)]
    internal static partial int cv_state_dict_size(IntPtr stateDict, out int size);

    [LibraryImport(Library)]
    internal static partial int cv_state_dict_entry(IntPtr stateDict, int index, out IntPtr name, out IntPtr tensor);

    [LibraryImport(Library)]
    internal static partial int cv_state_dict_free(IntPtr stateDict);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int cv_file_read(string path, long maxBytes, out IntPtr data, out long nbytes);
}
