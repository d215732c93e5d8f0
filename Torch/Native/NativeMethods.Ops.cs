using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int cv_op_find(string name, string overload, out IntPtr op);

    [LibraryImport(Library)]
    internal static partial int cv_op_schema(IntPtr op, out IntPtr text);

    [LibraryImport(Library)]
    internal static partial int cv_op_call(IntPtr op, CvValue* args, int nargs, CvValue* results, int capacity, out int nresults);

    [LibraryImport(Library)]
    internal static partial int cv_live_handles(out long count);
}
