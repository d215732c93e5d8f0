using CnnVis.Torch.Native;

namespace CnnVis.Torch;

public static partial class torch
{
    /// <summary>The environment variable that, set to 1, makes <see cref="keep_freed_memory"/> leave glibc's defaults alone.</summary>
    public const string ReturnFreedMemoryVariable = "CNNVIS_RETURN_FREED_MEMORY";

    /// <summary>The mmap and trim thresholds <see cref="keep_freed_memory"/> sets (512 MiB).</summary>
    public const long KeptFreedMemoryThreshold = 512L << 20;

    private static int s_keepFreedMemoryReported;

    /// <summary>
    /// Makes glibc keep freed memory in the process (mmap and trim thresholds of 512 MiB) instead of returning it to the
    /// system: training allocates and frees the same large activations every step, and by default glibc unmaps them
    /// and page-faults them back in the next step (thousands of faults per step; bench/ engine measures it), for about
    /// one step's peak of memory kept. The setting is process-wide, so it is a decision for whoever owns the process
    /// (the trainer takes it at the start of a run); loading the library alone never changes it.
    /// <see cref="ReturnFreedMemoryVariable"/>=1 opts out. Returns whether the setting is in force; the first call
    /// writes one line saying what it did to <paramref name="log"/> (standard error when none is given).
    /// </summary>
    public static bool keep_freed_memory(TextWriter? log = null)
    {
        NativeMethods.EnsureLoaded();
        var optOut = Environment.GetEnvironmentVariable(ReturnFreedMemoryVariable) == "1";
        if (!optOut)
            TorchException.ThrowIfFailed(NativeMethods.cv_configure_allocator(KeptFreedMemoryThreshold, KeptFreedMemoryThreshold), "configure allocator");
        if (Interlocked.Exchange(ref s_keepFreedMemoryReported, 1) == 0)
        {
            (log ?? Console.Error).WriteLine(optOut
                ? $"cnnvis: {ReturnFreedMemoryVariable}=1: glibc returns freed memory to the system (its default; training is slower)"
                : $"cnnvis: glibc keeps freed memory for reuse (mmap and trim thresholds {KeptFreedMemoryThreshold >> 20} MiB, process-wide); {ReturnFreedMemoryVariable}=1 turns this off");
        }
        return !optOut;
    }

    /// <summary>Whether <see cref="keep_freed_memory"/> has set glibc's thresholds in this process (false: glibc's defaults, as far as CnnVis knows).</summary>
    public static bool keeps_freed_memory()
    {
        NativeMethods.EnsureLoaded();
        TorchException.ThrowIfFailed(NativeMethods.cv_allocator_settings(out var mmap, out var trim), "allocator settings");
        return mmap > 0 || trim > 0;
    }
}
