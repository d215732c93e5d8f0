using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnVis.Training.Data;

/// <summary>
/// Reads the idx format of MNIST and Fashion-MNIST (big-endian header: magic 0x0000080D where D is
/// the number of dimensions, then D sizes, then unsigned bytes), gzip-compressed or plain.
/// Every error names the file and says what is wrong with it.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>The sizes and the data of an idx file of unsigned bytes with <paramref name="dimensions"/> dimensions.</summary>
    public static (int[] sizes, byte[] data) Read(string path, int dimensions)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            var gzipped = IsGzip(file, path);
            using var stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return ReadContent(stream, name, dimensions);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            // GZipStream's own complaint (a bad block, a wrong checksum) does not say which file it read.
            throw new InvalidDataException($"{name}: corrupt gzip data ({e.Message})", e);
        }
    }

    /// <summary>
    /// Only the sizes from the header of an idx file of unsigned bytes, reading nothing after it (a caller that needs
    /// the image size need not decompress 10,000 images).
    /// </summary>
    public static int[] ReadSizes(string path, int dimensions)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            var gzipped = IsGzip(file, path);
            using var stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return ReadHeader(stream, name, dimensions).sizes;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt gzip data ({e.Message})", e);
        }
    }

    private static bool IsGzip(FileStream file, string path)
    {
        var name = Path.GetFileName(path);
        Span<byte> head = stackalloc byte[4];
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B) return true;
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            var start = Convert.ToHexString(head[..n]);
            throw new InvalidDataException(n == 0
                ? $"{name}: the file is empty, not gzip data"
                : $"{name}: not a gzip file (it starts with 0x{start}, gzip starts with 0x1F8B)");
        }
        return false;
    }

    private static (int[] sizes, byte[] data) ReadContent(Stream stream, string name, int dimensions)
    {
        var (sizes, total) = ReadHeader(stream, name, dimensions);
        var headerLength = 4 + 4 * dimensions;
        var data = GC.AllocateUninitializedArray<byte>((int)total);
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        var extra = read < data.Length ? 0 : CountRemaining(stream);
        if (read < data.Length || extra > 0)
            throw new InvalidDataException($"{name}: expected {headerLength + total} bytes, got {headerLength + read + extra}");
        return (sizes, data);
    }

    private static (int[] sizes, long total) ReadHeader(Stream stream, string name, int dimensions)
    {
        var headerLength = 4 + 4 * dimensions;
        var header = new byte[headerLength];
        var got = stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false);
        if (got < headerLength)
            throw new InvalidDataException($"{name}: expected a {headerLength}-byte idx header, got {got} bytes");

        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        var expectedMagic = (uint)(UnsignedByteType << 8 | dimensions);
        if (magic != expectedMagic)
            throw new InvalidDataException($"{name}: bad magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} (idx, unsigned bytes, {dimensions} dimension{(dimensions == 1 ? "" : "s")})");

        var sizes = new int[dimensions];
        long total = 1;
        for (var d = 0; d < dimensions; d++)
        {
            var size = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * d));
            if (size <= 0) throw new InvalidDataException($"{name}: dimension {d} has size {size} in the header");
            sizes[d] = size;
            total *= size;
            if (total > Array.MaxLength) throw new InvalidDataException($"{name}: the header declares more than {Array.MaxLength} bytes of data");
        }
        return (sizes, total);
    }

    private static long CountRemaining(Stream stream)
    {
        var buffer = new byte[1 << 16];
        long count = 0;
        int n;
        while ((n = stream.Read(buffer)) > 0) count += n;
        return count;
    }
}
