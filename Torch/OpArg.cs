using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>One argument of a boxed operator call: a tensor, a number, a list, a string, a device or none.</summary>
public readonly struct OpArg
{
    internal readonly CvTag Tag;
    internal readonly long I;
    internal readonly double D;
    internal readonly object? Ref;

    private OpArg(CvTag tag, long i = 0, double d = 0, object? r = null)
    {
        Tag = tag;
        I = i;
        D = d;
        Ref = r;
    }

    public static readonly OpArg None = new(CvTag.None);

    public static implicit operator OpArg(Tensor? t) => t is null ? None : new(CvTag.Tensor, r: t);
    public static implicit operator OpArg(long v) => new(CvTag.Int, i: v);
    public static implicit operator OpArg(int v) => new(CvTag.Int, i: v);
    public static implicit operator OpArg(double v) => new(CvTag.Double, d: v);
    public static implicit operator OpArg(float v) => new(CvTag.Double, d: v);
    public static implicit operator OpArg(bool v) => new(CvTag.Bool, i: v ? 1 : 0);
    public static implicit operator OpArg(long[]? v) => v is null ? None : new(CvTag.IntList, r: v);
    public static implicit operator OpArg(double[]? v) => v is null ? None : new(CvTag.DoubleList, r: v);
    public static implicit operator OpArg(bool[]? v) => v is null ? None : new(CvTag.BoolList, r: v);
    public static implicit operator OpArg(Tensor[]? v) => v is null ? None : new(CvTag.TensorList, r: v);
    public static implicit operator OpArg(string? v) => v is null ? None : new(CvTag.String, r: v);
    public static implicit operator OpArg(ScalarType v) => new(CvTag.Int, i: (int)v);
    public static implicit operator OpArg(ScalarType? v) => v is null ? None : new(CvTag.Int, i: (int)v.Value);
    public static implicit operator OpArg(Device v) => new(CvTag.Device, i: (int)v.type, d: v.index);

    /// <summary>A list of optional tensors (aten's Tensor?[]), as `index` takes.</summary>
    public static OpArg OptionalTensors(Tensor?[] v) => new(CvTag.OptionalTensorList, r: v);

    /// <summary>Wraps an arbitrary value: what a generic caller (torch.ops.invoke) passes.</summary>
    public static OpArg From(object? value) => value switch
    {
        null => None,
        OpArg a => a,
        Tensor t => t,
        long l => l,
        int i => i,
        double d => d,
        float f => f,
        bool b => b,
        long[] l => l,
        int[] i => i.Select(x => (long)x).ToArray(),
        double[] d => d,
        bool[] b => b,
        Tensor[] t => t,
        string s => s,
        ScalarType s => s,
        Device d => d,
        _ => throw new ArgumentException($"an operator argument cannot be a {value.GetType().Name}"),
    };
}
