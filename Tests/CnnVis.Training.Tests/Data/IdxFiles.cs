using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnVis.Training.Tests.Data;

/// <summary>Writes small idx files, good or broken, to test the reader against.</summary>
public static class IdxFiles
{
    /// <summary>An idx file of unsigned bytes: magic 0x0000080D (D = number of sizes), the sizes, then <paramref name="data"/>.</summary>
    public static byte[] Content(int[] sizes, byte[] data, uint? magic = null)
    {
        var header = new byte[4 + 4 * sizes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic ?? (uint)(0x0800 | sizes.Length));
        for (var d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), sizes[d]);
        return header.Concat(data).ToArray();
    }

    public static byte[] Gzip(byte[] content)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(content);
        return memory.ToArray();
    }

    /// <summary>A small, valid pair of Fashion-MNIST-shaped files (<paramref name="count"/> images of 28×28) in <paramref name="directory"/>.</summary>
    public static void WriteSplit(string directory, string prefix, int count, Func<int, byte>? label = null)
    {
        var pixels = new byte[count * 28 * 28];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7);
        var labels = Enumerable.Range(0, count).Select(i => label?.Invoke(i) ?? (byte)(i % 10)).ToArray();
        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), Gzip(Content(new[] { count, 28, 28 }, pixels)));
        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), Gzip(Content(new[] { count }, labels)));
    }
}
