using System.Runtime.InteropServices;

namespace CnnVis.Training.Onnx;

/// <summary>
/// Reads an ONNX model file (a protobuf <c>ModelProto</c>) into <see cref="OnnxModel"/>: only the fields a
/// convolutional network's graph needs, by the field numbers of the ONNX specification; everything else is
/// skipped. The file is untrusted input: sizes are bounded, lengths checked, tensors must hold exactly the
/// data their shape says, and weights stored outside the file are refused.
/// </summary>
public static class OnnxReader
{
    /// <summary>The largest file read: ResNet-18's is 64 MB; a far larger one is not the model CnnVis expects.</summary>
    public const long MaxFileBytes = 512L << 20;

    private const int MaxNodes = 100_000;
    private const int MaxDims = 8;
    private const int MaxListLength = 4096;
    private const long MaxTensorElements = 1L << 27;
    private const int TensorFloat = 1;

    public static OnnxModel Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: no such ONNX file", path);
        if (info.Length > MaxFileBytes) throw new OnnxFormatException($"{path}: the file is {info.Length:N0} bytes, more than the {MaxFileBytes:N0} an ONNX model is read up to");
        if (info.Length == 0) throw new OnnxFormatException($"{path}: the file is empty, not an ONNX model");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a model from <paramref name="bytes"/>; <paramref name="source"/> names it in errors.</summary>
    public static OnnxModel Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length > MaxFileBytes) throw new OnnxFormatException($"{source}: {bytes.Length:N0} bytes is more than the {MaxFileBytes:N0} an ONNX model is read up to");
        var reader = new ProtoReader(bytes, source);
        long irVersion = 0;
        string producer = "";
        long? opset = null;
        OnnxGraph? graph = null;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtoReader.Varint: irVersion = reader.ReadInt64(); break;
                case 2 when wire == ProtoReader.LengthDelimited: producer = reader.ReadString(); break;
                case 7 when wire == ProtoReader.LengthDelimited:
                    if (graph is not null) throw new OnnxFormatException($"{source}: the model holds more than one graph");
                    graph = ReadGraph(reader.ReadBytes(), source);
                    break;
                case 8 when wire == ProtoReader.LengthDelimited:
                    var (domain, version) = ReadOpset(reader.ReadBytes(), source);
                    if (domain is "" or "ai.onnx") opset = version;
                    break;
                default: reader.Skip(wire); break;
            }
        }
        if (graph is null) throw new OnnxFormatException($"{source}: no graph found; the file is not an ONNX model");
        if (irVersion <= 0) throw new OnnxFormatException($"{source}: no ONNX IR version; the file is not an ONNX model");
        return new OnnxModel(source, irVersion, producer, opset ?? 0, graph);
    }

    private static (string domain, long version) ReadOpset(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new ProtoReader(bytes, $"{source}: operator set");
        var domain = "";
        long version = 0;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == ProtoReader.LengthDelimited) domain = reader.ReadString();
            else if (field == 2 && wire == ProtoReader.Varint) version = reader.ReadInt64();
            else reader.Skip(wire);
        }
        return (domain, version);
    }

    private static OnnxGraph ReadGraph(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new ProtoReader(bytes, $"{source}: graph");
        var name = "";
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtoReader.LengthDelimited:
                    if (nodes.Count >= MaxNodes) throw new OnnxFormatException($"{source}: the graph has more than {MaxNodes:N0} nodes");
                    nodes.Add(ReadNode(reader.ReadBytes(), source, nodes.Count));
                    break;
                case 2 when wire == ProtoReader.LengthDelimited: name = reader.ReadString(); break;
                case 5 when wire == ProtoReader.LengthDelimited:
                    var tensor = ReadTensor(reader.ReadBytes(), source);
                    if (!initializers.TryAdd(tensor.Name, tensor)) throw new OnnxFormatException($"{source}: the initializer '{tensor.Name}' is stored twice");
                    break;
                case 11 when wire == ProtoReader.LengthDelimited: inputs.Add(ReadValueInfo(reader.ReadBytes(), source)); break;
                case 12 when wire == ProtoReader.LengthDelimited: outputs.Add(ReadValueInfo(reader.ReadBytes(), source)); break;
                case 15 when wire == ProtoReader.LengthDelimited:
                    throw new OnnxFormatException($"{source}: the graph stores sparse initializers, which CnnVis does not read");
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> bytes, string source, int index)
    {
        var where = $"{source}: node {index}";
        var reader = new ProtoReader(bytes, where);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        string op = "", domain = "";
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtoReader.LengthDelimited: AddName(inputs, reader.ReadString(), where); break;
                case 2 when wire == ProtoReader.LengthDelimited: AddName(outputs, reader.ReadString(), where); break;
                case 4 when wire == ProtoReader.LengthDelimited: op = reader.ReadString(); break;
                case 5 when wire == ProtoReader.LengthDelimited:
                    var attribute = ReadAttribute(reader.ReadBytes(), where);
                    if (!attributes.TryAdd(attribute.Name, attribute)) throw new OnnxFormatException($"{where}: the attribute '{attribute.Name}' is given twice");
                    break;
                case 7 when wire == ProtoReader.LengthDelimited: domain = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }
        if (op.Length == 0) throw new OnnxFormatException($"{where}: the node names no operator");
        return new OnnxNode(op, domain, inputs, outputs, attributes);
    }

    private static void AddName(List<string> names, string name, string where)
    {
        if (names.Count >= MaxListLength) throw new OnnxFormatException($"{where}: more than {MaxListLength} inputs or outputs");
        names.Add(name);
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> bytes, string where)
    {
        var reader = new ProtoReader(bytes, $"{where}: attribute");
        var name = "";
        float? f = null;
        long? i = null;
        string? s = null;
        var ints = new List<long>();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtoReader.LengthDelimited: name = reader.ReadString(); break;
                case 2 when wire == ProtoReader.Fixed32: f = reader.ReadFloat(); break;
                case 3 when wire == ProtoReader.Varint: i = reader.ReadInt64(); break;
                case 4 when wire == ProtoReader.LengthDelimited: s = reader.ReadString(); break;
                case 8: reader.ReadInt64s(wire, ints, MaxListLength); break;
                default: reader.Skip(wire); break;
            }
        }
        if (name.Length == 0) throw new OnnxFormatException($"{where}: an attribute has no name");
        return new OnnxAttribute(name, f, i, ints, s);
    }

    private static OnnxTensor ReadTensor(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new ProtoReader(bytes, $"{source}: initializer");
        var dims = new List<long>();
        var dataType = 0;
        var name = "";
        ReadOnlySpan<byte> raw = default;
        var hasRaw = false;
        var floats = new List<float>();
        var external = false;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, dims, MaxDims); break;
                case 2 when wire == ProtoReader.Varint: dataType = reader.ReadInt32(); break;
                case 4 when wire == ProtoReader.Fixed32: floats.Add(reader.ReadFloat()); break;
                case 4 when wire == ProtoReader.LengthDelimited:
                    var packed = reader.ReadBytes();
                    if (packed.Length % 4 != 0) throw new OnnxFormatException($"{source}: initializer '{name}': packed floats of {packed.Length} bytes, not a multiple of 4");
                    for (var k = 0; k < packed.Length; k += 4)
                        floats.Add(BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(packed[k..])));
                    break;
                case 8 when wire == ProtoReader.LengthDelimited: name = reader.ReadString(); break;
                case 9 when wire == ProtoReader.LengthDelimited:
                    raw = reader.ReadBytes();
                    hasRaw = true;
                    break;
                case 13: external = true; reader.Skip(wire); break;
                case 14 when wire == ProtoReader.Varint: external |= reader.ReadInt64() == 1; break;
                default: reader.Skip(wire); break;
            }
        }
        var what = $"{source}: initializer '{name}'";
        if (external) throw new OnnxFormatException($"{what} keeps its data in another file, which CnnVis does not read");
        if (dataType != TensorFloat) throw new OnnxFormatException($"{what} has element type {dataType}; only float (1) weights are read");
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new OnnxFormatException($"{what} has a negative dimension {d}");
            count = d == 0 ? 0 : count > MaxTensorElements / d ? MaxTensorElements + 1 : count * d;
            if (count > MaxTensorElements) throw new OnnxFormatException($"{what} has shape [{string.Join(", ", dims)}], more than {MaxTensorElements:N0} elements");
        }
        float[] data;
        if (hasRaw)
        {
            if (floats.Count > 0) throw new OnnxFormatException($"{what} stores its data twice (raw and as floats)");
            if (raw.Length != count * 4)
                throw new OnnxFormatException($"{what} has shape [{string.Join(", ", dims)}] ({count:N0} floats) but holds {raw.Length:N0} bytes of data");
            data = new float[count];
            if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(raw).CopyTo(data);
            else for (var k = 0; k < data.Length; k++) data[k] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * k)..]));
        }
        else
        {
            if (floats.Count != count)
                throw new OnnxFormatException($"{what} has shape [{string.Join(", ", dims)}] ({count:N0} floats) but holds {floats.Count:N0}");
            data = floats.ToArray();
        }
        return new OnnxTensor(name, dims.ToArray(), data);
    }

    private static OnnxValueInfo ReadValueInfo(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new ProtoReader(bytes, $"{source}: graph input or output");
        var name = "";
        var elementType = 0;
        var shape = new List<long>();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == ProtoReader.LengthDelimited) name = reader.ReadString();
            else if (field == 2 && wire == ProtoReader.LengthDelimited) elementType = ReadTensorType(reader.ReadBytes(), source, shape);
            else reader.Skip(wire);
        }
        return new OnnxValueInfo(name, elementType, shape.ToArray());
    }

    // TypeProto → tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2).
    private static int ReadTensorType(ReadOnlySpan<byte> bytes, string source, List<long> shape)
    {
        var type = new ProtoReader(bytes, $"{source}: type");
        var elementType = 0;
        while (!type.AtEnd)
        {
            var (field, wire) = type.ReadTag();
            if (field != 1 || wire != ProtoReader.LengthDelimited)
            {
                type.Skip(wire);
                continue;
            }
            var tensor = new ProtoReader(type.ReadBytes(), $"{source}: tensor type");
            while (!tensor.AtEnd)
            {
                var (f, w) = tensor.ReadTag();
                if (f == 1 && w == ProtoReader.Varint) elementType = tensor.ReadInt32();
                else if (f == 2 && w == ProtoReader.LengthDelimited)
                {
                    var shapeReader = new ProtoReader(tensor.ReadBytes(), $"{source}: shape");
                    while (!shapeReader.AtEnd)
                    {
                        var (sf, sw) = shapeReader.ReadTag();
                        if (sf != 1 || sw != ProtoReader.LengthDelimited)
                        {
                            shapeReader.Skip(sw);
                            continue;
                        }
                        if (shape.Count >= MaxDims) throw new OnnxFormatException($"{source}: a shape has more than {MaxDims} dimensions");
                        var dim = new ProtoReader(shapeReader.ReadBytes(), $"{source}: dimension");
                        long value = -1;
                        while (!dim.AtEnd)
                        {
                            var (df, dw) = dim.ReadTag();
                            if (df == 1 && dw == ProtoReader.Varint) value = dim.ReadInt64();
                            else dim.Skip(dw);
                        }
                        shape.Add(value);
                    }
                }
                else tensor.Skip(w);
            }
        }
        return elementType;
    }
}
