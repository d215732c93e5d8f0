using System.Buffers.Binary;
using System.Text;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Writes pickle opcodes by hand, to craft the state dicts an attacker would: the same opcodes torch.save
/// writes, with whatever values the test needs (offsets near 2^62, deep nesting, memo bombs).
/// </summary>
internal sealed class CraftedPickle
{
    private readonly List<byte> _bytes = new() { 0x80, 0x02 };

    public byte[] ToArray() => _bytes.ToArray();

    public CraftedPickle Op(char op) => Raw((byte)op);

    public CraftedPickle Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public CraftedPickle Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public CraftedPickle Str(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op('X').Raw(length).Raw(utf8);
    }

    /// <summary>LONG1 with eight bytes: any 64-bit integer.</summary>
    public CraftedPickle Long(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return Raw(0x8a, 8).Raw(b);
    }

    public CraftedPickle LongBinPut(uint id)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, id);
        return Op('r').Raw(b);
    }

    public CraftedPickle LongBinGet(uint id)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, id);
        return Op('j').Raw(b);
    }

    public CraftedPickle Mark() => Op('(');
    public CraftedPickle Tuple() => Op('t');
    public CraftedPickle EmptyTuple() => Op(')');
    public CraftedPickle Reduce() => Op('R');
    public CraftedPickle SetItem() => Op('s');
    public CraftedPickle Stop() => Op('.');

    public CraftedPickle LongTuple(IEnumerable<long> values)
    {
        Mark();
        foreach (var v in values) Long(v);
        return Tuple();
    }

    /// <summary>An empty OrderedDict, as torch.save begins a state dict.</summary>
    public CraftedPickle OrderedDict() => Global("collections", "OrderedDict").EmptyTuple().Reduce();

    /// <summary>
    /// A tensor over storage <paramref name="key"/> (data/KEY in the archive) of <paramref name="numel"/> floats,
    /// exactly as torch.save writes one: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).
    /// </summary>
    public CraftedPickle FloatTensor(string key, long numel, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", "FloatStorage").Str(key).Str("cpu").Long(numel).Tuple().Op('Q');
        Long(offset).LongTuple(size).LongTuple(stride).Raw(0x89).OrderedDict();
        return Tuple().Reduce();
    }

    /// <summary>A whole state dict of one float tensor named "w", its storage "0".</summary>
    public static byte[] OneTensor(long numel, long offset, long[] size, long[] stride) =>
        new CraftedPickle().OrderedDict().Str("w").FloatTensor("0", numel, offset, size, stride).SetItem().Stop().ToArray();
}
