using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

// A tensor argument is a TensorHandle, never its raw pointer: the marshaller holds a reference on the SafeHandle for
// the call, so a Dispose on another thread frees the native tensor only once the call returned.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial IntPtr cv_last_error();

    [LibraryImport(Library)]
    internal static partial int cv_tensor_from_data(void* data, int dtype, long* shape, int ndim, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_copy_to(TensorHandle t, void* dst, long nbytes);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_free(IntPtr t);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_ndim(TensorHandle t, out int ndim);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_sizes(TensorHandle t, long* sizes, int capacity);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_numel(TensorHandle t, out long numel);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_dtype(TensorHandle t, out int dtype);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_device(TensorHandle t, out int type, out int index);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_requires_grad(TensorHandle t, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_requires_grad(TensorHandle t, int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_is_leaf(TensorHandle t, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_grad(TensorHandle t, out IntPtr grad, out int defined);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_grad(TensorHandle t, IntPtr gradOrNull);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_detach(TensorHandle t, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_alias(TensorHandle t, out IntPtr result);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_set_data(TensorHandle t, TensorHandle src);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_is_contiguous(TensorHandle t, int format, out int value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_item_double(TensorHandle t, out double value);

    [LibraryImport(Library)]
    internal static partial int cv_tensor_item_int64(TensorHandle t, out long value);
}
