using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial IntPtr cv_last_error();

    [LibraryImport(Library)]
    internal static partial int cv_tensor_from_data(void* data, int dtype, long* shape, int ndim, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_copy_to(IntPtr t, void* dst, long nbytes);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_free(IntPtr t);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_ndim(IntPtr t, out int ndim);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_sizes(IntPtr t, long* sizes, int capacity);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_numel(IntPtr t, out long numel);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_dtype(IntPtr t, out int dtype);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_device(IntPtr t, out int type, out int index);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_requires_grad(IntPtr t, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_requires_grad(IntPtr t, int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_is_leaf(IntPtr t, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_grad(IntPtr t, out IntPtr grad, out int defined);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_grad(IntPtr t, IntPtr gradOrNull);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_detach(IntPtr t, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_alias(IntPtr t, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_data(IntPtr t, IntPtr src);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_is_contiguous(IntPtr t, int format, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_item_double(IntPtr t, out double value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_item_int64(IntPtr t, out long value);
}
