using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// Raw maps as NumPy .npy files (format version 1.0: float32, little-endian, C order), so numpy.load reads them.
/// Layout: "\x93NUMPY", version 1 0, a little-endian uint16 header length, then an ASCII dict padded with spaces
/// and ended by '\n' so that the data starts at a multiple of 64 bytes, then the values.
/// </summary>
public static class NpyFile
{
    private static readonly byte[] s_magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };
    private const int Alignment = 64;

    public static byte[] Encode(Tensor map)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var asFloat = map.to(ScalarType.Float32);
        using var contiguous = asFloat.contiguous();
        var values = contiguous.data<float>();
        var header = Header(map.shape);
        var bytes = new byte[header.Length + values.Length * sizeof(float)];
        header.CopyTo(bytes, 0);
        var body = bytes.AsSpan(header.Length);
        for (var k = 0; k < values.Length; k++) BinaryPrimitives.WriteSingleLittleEndian(body[(k * sizeof(float))..], values[k]);
        return bytes;
    }

    public static void Write(string path, Tensor map)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Encode(map));
    }

    /// <summary>Reads what <see cref="Encode"/> writes (version 1.0, '&lt;f4', C order) back into a tensor.</summary>
    public static Tensor Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 10 || !data[..6].SequenceEqual(s_magic)) throw new FormatException("not a .npy file: the magic string \\x93NUMPY is missing");
        if (data[6] != 1) throw new FormatException($"unsupported .npy format version {data[6]}.{data[7]}: only 1.0 is read");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        if (data.Length < 10 + length) throw new FormatException("the .npy header is cut short");
        var header = Encoding.ASCII.GetString(data.Slice(10, length));
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal)) throw new FormatException($"only float32 little-endian .npy files are read, header: {header.Trim()}");
        if (!header.Contains("'fortran_order': False", StringComparison.Ordinal)) throw new FormatException("only C-order .npy files are read");
        var open = header.IndexOf('(', StringComparison.Ordinal);
        var close = header.IndexOf(')', open + 1);
        var shape = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var body = data[(10 + length)..];
        if (body.Length != count * sizeof(float)) throw new FormatException($"the .npy data holds {body.Length} bytes but shape ({string.Join(", ", shape)}) needs {count * sizeof(float)}");
        var values = new float[count];
        for (var k = 0; k < count; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(body[(k * sizeof(float))..]);
        return torch.tensor<float>(values, shape);
    }

    public static Tensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return Decode(File.ReadAllBytes(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    private static byte[] Header(long[] shape)
    {
        // A 1-tuple needs its trailing comma, "(5,)"; a scalar's shape is "()".
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        var unpadded = s_magic.Length + 2 + 2 + dict.Length + 1;
        var padding = (Alignment - unpadded % Alignment) % Alignment;
        var text = dict + new string(' ', padding) + "\n";
        var header = new byte[s_magic.Length + 4 + text.Length];
        s_magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), checked((ushort)text.Length));
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }
}
