using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>
/// A dispatcher operator, looked up once by name and overload and reused: every aten operator (and
/// cnnvis::guided_relu, cnnvis::deconv_relu) is called through one boxed native entry point.
/// </summary>
public sealed class Op
{
    private const int MaxResults = 16;
    private static readonly ConcurrentDictionary<(string, string), Op> s_cache = new();
    private readonly IntPtr _handle;

    private Op(string name, string overload, IntPtr handle)
    {
        Name = name;
        Overload = overload;
        _handle = handle;
    }

    /// <summary>The operator's name with its namespace, e.g. "aten::conv2d".</summary>
    public string Name { get; }

    /// <summary>The overload name, e.g. "Tensor" for aten::add.Tensor; empty for the default.</summary>
    public string Overload { get; }

    public string QualifiedName => Overload.Length == 0 ? Name : $"{Name}.{Overload}";

    /// <summary>Finds an operator; throws <see cref="TorchException"/> naming it when there is none.</summary>
    public static Op Find(string name, string overload = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(overload);
        if (s_cache.TryGetValue((name, overload), out var op)) return op;
        NativeMethods.EnsureLoaded();
        var qualified = name.Contains("::", StringComparison.Ordinal) ? name : "aten::" + name;
        TorchException.ThrowIfFailed(NativeMethods.cv_op_find(qualified, overload, out var handle));
        return s_cache.GetOrAdd((name, overload), _ => new Op(qualified, overload, handle));
    }

    /// <summary>Parses "aten::add.Tensor" (or "add.Tensor", or "relu") and finds it.</summary>
    public static Op Parse(string qualifiedName)
    {
        ArgumentNullException.ThrowIfNull(qualifiedName);
        var nsEnd = qualifiedName.IndexOf("::", StringComparison.Ordinal);
        var dot = qualifiedName.IndexOf('.', nsEnd < 0 ? 0 : nsEnd + 2);
        return dot < 0 ? Find(qualifiedName) : Find(qualifiedName[..dot], qualifiedName[(dot + 1)..]);
    }

    /// <summary>The operator's schema as libtorch declares it.</summary>
    public string Schema
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_op_schema(_handle, out var text));
            return Marshal.PtrToStringUTF8(text) ?? "";
        }
    }

    /// <summary>Calls the operator; results are tensors, Tensor[], long, double, bool, long[], double[] or null.</summary>
    public object?[] Invoke(params ReadOnlySpan<OpArg> args)
    {
        Span<CvValue> results = stackalloc CvValue[MaxResults];
        var n = CallRaw(args, results);
        var output = new object?[n];
        for (var k = 0; k < n; k++) output[k] = Wrap(results[k]);
        return output;
    }

    /// <summary>Calls an operator that returns one tensor.</summary>
    public Tensor Call(params ReadOnlySpan<OpArg> args)
    {
        Span<CvValue> results = stackalloc CvValue[MaxResults];
        var n = CallRaw(args, results);
        if (n != 1 || results[0].Tag != CvTag.Tensor)
        {
            for (var k = 0; k < n; k++) Wrap(results[k]);
            throw new TorchException($"{QualifiedName} did not return exactly one tensor");
        }
        return new Tensor(results[0].P);
    }

    /// <summary>Calls an operator that returns tensors (a tuple, or a tensor list): all of them.</summary>
    public Tensor[] CallMany(params ReadOnlySpan<OpArg> args)
    {
        Span<CvValue> results = stackalloc CvValue[MaxResults];
        var n = CallRaw(args, results);
        var list = new List<Tensor>(n);
        for (var k = 0; k < n; k++)
        {
            switch (Wrap(results[k]))
            {
                case Tensor t: list.Add(t); break;
                case Tensor[] ts: list.AddRange(ts); break;
                case null: break;
                default: throw new TorchException($"{QualifiedName} returned a non-tensor result");
            }
        }
        return list.ToArray();
    }

    private static unsafe object? Wrap(in CvValue v)
    {
        switch (v.Tag)
        {
            case CvTag.None: return null;
            case CvTag.Tensor: return new Tensor(v.P);
            case CvTag.Int: return v.I;
            case CvTag.Double: return v.D;
            case CvTag.Bool: return v.I != 0;
            case CvTag.TensorList:
            {
                var p = (IntPtr*)v.P;
                var ts = new Tensor[v.Count];
                for (var k = 0; k < v.Count; k++) ts[k] = new Tensor(p[k]);
                return ts;
            }
            case CvTag.IntList: return new ReadOnlySpan<long>((void*)v.P, v.Count).ToArray();
            case CvTag.DoubleList: return new ReadOnlySpan<double>((void*)v.P, v.Count).ToArray();
            default: throw new TorchInternalException($"unexpected result tag {v.Tag}");
        }
    }

    private unsafe int CallRaw(ReadOnlySpan<OpArg> args, Span<CvValue> results)
    {
        // Lists and strings are copied into one scratch block so nothing has to be pinned one by one.
        int longs = 0, handles = 0, bytes = 0;
        foreach (ref readonly var a in args)
        {
            switch (a.Tag)
            {
                case CvTag.IntList: longs += ((long[])a.Ref!).Length; break;
                case CvTag.BoolList: longs += ((bool[])a.Ref!).Length; break;
                case CvTag.DoubleList: longs += ((double[])a.Ref!).Length; break;
                case CvTag.TensorList: handles += ((Tensor[])a.Ref!).Length; break;
                case CvTag.OptionalTensorList: handles += ((Tensor?[])a.Ref!).Length; break;
                case CvTag.String: bytes += Encoding.UTF8.GetMaxByteCount(((string)a.Ref!).Length) + 1; break;
            }
        }
        var longScratch = longs <= 128 ? stackalloc long[longs] : new long[longs];
        var handleScratch = handles <= 64 ? stackalloc IntPtr[handles] : new IntPtr[handles];
        var byteScratch = bytes <= 512 ? stackalloc byte[bytes] : new byte[bytes];
        Span<CvValue> values = args.Length <= 32 ? stackalloc CvValue[args.Length] : new CvValue[args.Length];

        // Every tensor argument is referenced for the call (counted in order, so exactly those are released): a
        // Dispose on another thread meanwhile is deferred until the call returned.
        var held = 0;
        fixed (long* lp = longScratch)
        fixed (IntPtr* hp = handleScratch)
        fixed (byte* bp = byteScratch)
        fixed (CvValue* vp = values)
        fixed (CvValue* rp = results)
        try
        {
            int lo = 0, ho = 0, bo = 0;
            for (var k = 0; k < args.Length; k++)
            {
                ref readonly var a = ref args[k];
                ref var v = ref values[k];
                v.Tag = a.Tag;
                switch (a.Tag)
                {
                    case CvTag.Tensor: v.P = ((Tensor)a.Ref!).AddRef(); held++; break;
                    case CvTag.Int:
                    case CvTag.Bool: v.I = a.I; break;
                    case CvTag.Double: v.D = a.D; break;
                    case CvTag.Device: v.I = a.I; v.Count = (int)a.D; break;
                    case CvTag.IntList:
                    {
                        var src = (long[])a.Ref!;
                        src.CopyTo(longScratch[lo..]);
                        v.P = (IntPtr)(lp + lo); v.Count = src.Length; lo += src.Length;
                        break;
                    }
                    case CvTag.BoolList:
                    {
                        var src = (bool[])a.Ref!;
                        for (var j = 0; j < src.Length; j++) longScratch[lo + j] = src[j] ? 1 : 0;
                        v.P = (IntPtr)(lp + lo); v.Count = src.Length; lo += src.Length;
                        break;
                    }
                    case CvTag.DoubleList:
                    {
                        var src = (double[])a.Ref!;
                        src.CopyTo(MemoryMarshal.Cast<long, double>(longScratch[lo..]));
                        v.P = (IntPtr)(lp + lo); v.Count = src.Length; lo += src.Length;
                        break;
                    }
                    case CvTag.TensorList:
                    case CvTag.OptionalTensorList:
                    {
                        var src = (Tensor?[])a.Ref!;
                        for (var j = 0; j < src.Length; j++)
                        {
                            var t = src[j];
                            if (t is null)
                            {
                                if (a.Tag == CvTag.TensorList)
                                    throw new ArgumentException($"{QualifiedName}: argument {k} is a tensor list with a null entry");
                                handleScratch[ho + j] = IntPtr.Zero;
                                continue;
                            }
                            handleScratch[ho + j] = t.AddRef();
                            held++;
                        }
                        v.P = (IntPtr)(hp + ho); v.Count = src.Length; ho += src.Length;
                        break;
                    }
                    case CvTag.String:
                    {
                        var n = Encoding.UTF8.GetBytes((string)a.Ref!, byteScratch[bo..]);
                        byteScratch[bo + n] = 0;
                        v.P = (IntPtr)(bp + bo); bo += n + 1;
                        break;
                    }
                }
            }
            var status = NativeMethods.cv_op_call(_handle, vp, args.Length, rp, results.Length, out var count);
            TorchException.ThrowIfFailed(status, QualifiedName);
            return count;
        }
        finally
        {
            if (held > 0) Release(args, held);
        }
    }

    // Releases the first `held` tensor arguments, in the order CallRaw referenced them.
    private static void Release(ReadOnlySpan<OpArg> args, int held)
    {
        foreach (ref readonly var a in args)
        {
            if (a.Tag == CvTag.Tensor)
            {
                ((Tensor)a.Ref!).Release();
                if (--held == 0) return;
            }
            else if (a.Tag is CvTag.TensorList or CvTag.OptionalTensorList)
            {
                foreach (var t in (Tensor?[])a.Ref!)
                {
                    if (t is null) continue;
                    t.Release();
                    if (--held == 0) return;
                }
            }
        }
    }
}
