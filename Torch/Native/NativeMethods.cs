using System.Reflection;
using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

/// <summary>The C ABI of libcnnvis_torch; one partial file per native area.</summary>
internal static partial class NativeMethods
{
    internal const string Library = "cnnvis_torch";
    private const string FileName = "libcnnvis_torch.so";

    static NativeMethods()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
    }

    /// <summary>Forces the static constructor (and so the resolver) to run before the first call.</summary>
    internal static void EnsureLoaded() { }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library) return IntPtr.Zero;
        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate)) return NativeLibrary.Load(candidate);
        }
        throw new DllNotFoundException(
            $"{FileName} was not found next to the application ({AppContext.BaseDirectory}) nor in Torch/native/build. " +
            "Run ./build.sh to build it (it installs libtorch-dev and runs CMake).");
    }

    private static IEnumerable<string> Candidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        var assemblyDir = Path.GetDirectoryName(typeof(NativeMethods).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir)) yield return Path.Combine(assemblyDir, FileName);
        // Running from inside the source tree (tools, benches): walk up to the repository's build folder.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            yield return Path.Combine(dir.FullName, "Torch", "native", "build", FileName);
        }
    }
}
