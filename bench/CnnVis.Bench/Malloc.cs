using System.Runtime.InteropServices;

namespace CnnVis.Bench;

/// <summary>
/// glibc's allocator policy. By default glibc hands freed memory at the top of the heap back to the
/// system and the next step faults it in again (thousands of page faults per conv step, how many
/// depends on heap layout). --keep-freed-memory turns that off on both sides, for a diagnostic run.
/// </summary>
internal static partial class Malloc
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;

    /// <summary>The largest mmap threshold glibc accepts on 64-bit systems (32 MiB).</summary>
    private const int MaxMmapThreshold = 32 * 1024 * 1024;

    /// <summary>Keeps freed memory in the process: never trim the heap, serve blocks up to 32 MiB from it.</summary>
    public static void KeepFreedMemory()
    {
        if (mallopt(M_TRIM_THRESHOLD, int.MaxValue) != 1 || mallopt(M_MMAP_THRESHOLD, MaxMmapThreshold) != 1)
            throw new InvalidOperationException("glibc's mallopt refused the trim or mmap threshold");
    }

    [LibraryImport("libc.so.6")]
    private static partial int mallopt(int param, int value);
}
