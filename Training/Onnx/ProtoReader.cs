namespace CnnVis.Training.Onnx;

/// <summary>
/// Reads protobuf's wire format (varints, fixed 32/64-bit values, length-delimited fields) from a byte
/// range, checking every length against the bytes that remain, so a truncated or hostile file fails with
/// <see cref="OnnxFormatException"/> instead of reading past its end or allocating what it claims.
/// </summary>
internal ref struct ProtoReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _position = 0;
    }

    public bool AtEnd => _position >= _data.Length;

    /// <summary>The next field's number and wire type.</summary>
    public (int field, int wireType) ReadTag()
    {
        var key = ReadVarint();
        var field = key >> 3;
        var wireType = (int)(key & 7);
        if (field is 0 or > int.MaxValue >> 3) throw Error($"field number {field} is invalid");
        return ((int)field, wireType);
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Error("a number runs past the end of the data (the file is truncated)");
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Error("a number is longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    public int ReadInt32()
    {
        var v = (long)ReadVarint();
        if (v is < int.MinValue or > int.MaxValue) throw Error($"the 32-bit value {v} is out of range");
        return (int)v;
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Take(4)));

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw Error($"a field claims {length} bytes but only {_data.Length - _position} remain (the file is truncated or corrupt)");
        return Take((int)length);
    }

    public string ReadString(int maxLength = 4096)
    {
        var bytes = ReadBytes();
        if (bytes.Length > maxLength) throw Error($"a name of {bytes.Length} bytes is longer than the {maxLength} allowed");
        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Error("a name is not valid UTF-8");
        }
    }

    /// <summary>Skips a field this reader does not need.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Take(8); break;
            case LengthDelimited: ReadBytes(); break;
            case Fixed32: Take(4); break;
            default: throw Error($"wire type {wireType} is not one protobuf writes for ONNX (the data is not an ONNX model)");
        }
    }

    /// <summary>A repeated int64 field: one value, or a packed run of them.</summary>
    public void ReadInt64s(int wireType, List<long> into, int max)
    {
        if (wireType == Varint)
        {
            Add(into, ReadInt64(), max);
            return;
        }
        Expect(wireType, LengthDelimited, "a list of integers");
        var inner = new ProtoReader(ReadBytes(), _what);
        while (!inner.AtEnd) Add(into, inner.ReadInt64(), max);
    }

    private void Add<T>(List<T> into, T value, int max)
    {
        if (into.Count >= max) throw Error($"a list holds more than the {max} values allowed");
        into.Add(value);
    }

    public void Expect(int wireType, int expected, string what)
    {
        if (wireType != expected) throw Error($"{what} has wire type {wireType}, expected {expected}");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position) throw Error($"{count} bytes are needed but only {_data.Length - _position} remain (the file is truncated)");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly OnnxFormatException Error(string message) => new($"{_what}: {message}");
}
