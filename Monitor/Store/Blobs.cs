using System.Runtime.InteropServices;

namespace CnnVis.Monitor.Store;

/// <summary>Arrays as blobs: their elements' bytes in the machine's (little-endian) order, no header.</summary>
internal static class Blobs
{
    public static byte[] Of<T>(ReadOnlySpan<T> values) where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    public static byte[] Of<T>(T[] values) where T : unmanaged => Of((ReadOnlySpan<T>)values);

    public static T[] To<T>(byte[] blob) where T : unmanaged => MemoryMarshal.Cast<byte, T>(blob).ToArray();
}
