using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Loads Skia's native library once, so that a machine without it (or without fontconfig, which it links) gets one
/// message saying what to install instead of a type-initializer trace from the first drawing call.
/// </summary>
internal static class SkiaRuntime
{
    private static readonly Lazy<string> s_version = new(Load);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the missing pieces when Skia cannot run here.</summary>
    public static void EnsureLoaded() => _ = s_version.Value;

    private static string Load()
    {
        try
        {
            return SkiaSharpVersion.Native.ToString();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                "SkiaSharp's native library (libSkiaSharp.so, from the SkiaSharp.NativeAssets.Linux package) could not be loaded, so no picture can be drawn. " +
                "It needs fontconfig and FreeType: on Debian install the packages fontconfig and fonts-dejavu-core (./build.sh does). Cause: " + e.GetBaseException().Message, e);
        }
    }
}
