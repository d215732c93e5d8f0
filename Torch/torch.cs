using System.Runtime.InteropServices;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>The torch namespace, as in TorchSharp and PyTorch: tensor factories, runtime settings, operators.</summary>
public static partial class torch
{
    public const ScalarType uint8 = ScalarType.Byte;
    public const ScalarType int8 = ScalarType.Int8;
    public const ScalarType int16 = ScalarType.Int16;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType @bool = ScalarType.Bool;
    public static readonly Device CPU = Device.CPU;

    /// <summary>libtorch's version, e.g. "1.13.1".</summary>
    public static string __version__
    {
        get
        {
            NativeMethods.EnsureLoaded();
            TorchException.ThrowIfFailed(NativeMethods.cv_version(out var text));
            return Marshal.PtrToStringUTF8(text) ?? "";
        }
    }

    public static void manual_seed(long seed)
    {
        NativeMethods.EnsureLoaded();
        TorchException.ThrowIfFailed(NativeMethods.cv_manual_seed(unchecked((ulong)seed)));
    }

    public static void set_num_threads(int threads)
    {
        NativeMethods.EnsureLoaded();
        TorchException.ThrowIfFailed(NativeMethods.cv_set_num_threads(threads), "set_num_threads");
    }

    public static int get_num_threads()
    {
        NativeMethods.EnsureLoaded();
        TorchException.ThrowIfFailed(NativeMethods.cv_get_num_threads(out var n));
        return n;
    }

    public static class cuda
    {
        public static bool is_available()
        {
            NativeMethods.EnsureLoaded();
            TorchException.ThrowIfFailed(NativeMethods.cv_cuda_is_available(out var a));
            return a != 0;
        }
    }

    /// <summary>Opens a scope that frees every tensor made inside it and not moved out.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Turns gradient recording off until the returned value is disposed (on this thread).</summary>
    public static IDisposable no_grad() => new GradModeScope(false);

    /// <summary>
    /// Until disposed, this thread's Sequential containers run their convolution/batch-norm/ReLU/max-pool runs as one
    /// oneDNN call each when gradients are off (see <see cref="FusedInference"/>); for forwards that need no gradient,
    /// such as Score-CAM's masked images. <paramref name="winograd"/> lets 3x3 convolutions use Winograd's algorithm.
    /// </summary>
    public static FusedInference fused_inference(bool winograd = true) => new(winograd);

    /// <summary>Turns gradient recording on until the returned value is disposed (on this thread).</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);

    public static bool is_grad_enabled()
    {
        NativeMethods.EnsureLoaded();
        TorchException.ThrowIfFailed(NativeMethods.cv_is_grad_enabled(out var e));
        return e != 0;
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly int _previous;
        private bool _disposed;

        public GradModeScope(bool enabled)
        {
            NativeMethods.EnsureLoaded();
            TorchException.ThrowIfFailed(NativeMethods.cv_set_grad_enabled(enabled ? 1 : 0, out _previous));
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            TorchException.ThrowIfFailed(NativeMethods.cv_set_grad_enabled(_previous, out _));
        }
    }

    internal static ScalarType ScalarTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        throw new NotSupportedException($"{typeof(T).Name} is not a tensor element type");
    }

    // ---- Factories ----

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/>, or one shaped <paramref name="shape"/> when given.</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape = default, bool requires_grad = false) where T : unmanaged =>
        shape.IsEmpty ? Create(data, [data.Length], requires_grad) : Create(data, shape, requires_grad);

    /// <summary>
    /// A tensor holding a copy of <paramref name="data"/>: 1-D when <paramref name="shape"/> is null (as PyTorch's
    /// torch.tensor([..]) is, even for one element), 0-d for an empty shape, otherwise shaped as given.
    /// </summary>
    public static Tensor tensor<T>(T[] data, long[]? shape = null, bool requires_grad = false) where T : unmanaged =>
        Create<T>(data, shape ?? [data.Length], requires_grad);

    public static Tensor tensor(float value, bool requires_grad = false) => Create<float>([value], [], requires_grad);

    public static Tensor tensor(double value, bool requires_grad = false) => Create<double>([value], [], requires_grad);

    public static Tensor tensor(long value) => Create<long>([value], [], false);

    private static unsafe Tensor Create<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> dims, bool requires_grad) where T : unmanaged
    {
        NativeMethods.EnsureLoaded();
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"shape [{string.Join(", ", dims.ToArray())}] has a negative size");
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", dims.ToArray())}] needs {count} elements but {data.Length} were given");
        IntPtr h;
        fixed (T* p = data)
        fixed (long* s = dims)
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_from_data(p, (int)ScalarTypeOf<T>(), s, dims.Length, out h), "tensor");
        }
        var t = new Tensor(h);
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    public static Tensor zeros(long[] size, ScalarType dtype = ScalarType.Float32, bool requires_grad = false) =>
        WithGrad(Ops.zeros.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None), requires_grad);

    public static Tensor ones(long[] size, ScalarType dtype = ScalarType.Float32, bool requires_grad = false) =>
        WithGrad(Ops.ones.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None), requires_grad);

    public static Tensor empty(long[] size, ScalarType dtype = ScalarType.Float32) =>
        Ops.empty_memory_format.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None, OpArg.None);

    /// <summary>An uninitialised tensor laid out in <paramref name="format"/> (channels-last strides even when C or H·W is 1).</summary>
    public static Tensor empty(long[] size, ScalarType dtype, MemoryFormat format) =>
        Ops.empty_memory_format.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None, (long)format);

    public static Tensor full(long[] size, double value, ScalarType dtype = ScalarType.Float32) =>
        Ops.full.Call(size, value, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor rand(long[] size, ScalarType dtype = ScalarType.Float32, bool requires_grad = false) =>
        WithGrad(Ops.rand.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None), requires_grad);

    public static Tensor randn(long[] size, ScalarType dtype = ScalarType.Float32, bool requires_grad = false) =>
        WithGrad(Ops.randn.Call(size, dtype, OpArg.None, OpArg.None, OpArg.None), requires_grad);

    public static Tensor randint(long high, long[] size, ScalarType dtype = ScalarType.Int64) =>
        Ops.randint.Call(high, size, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor randperm(long n, ScalarType dtype = ScalarType.Int64) =>
        Ops.randperm.Call(n, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Float32) =>
        Ops.arange_start_step.Call(start, end, step, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor arange(long end, ScalarType dtype = ScalarType.Int64) =>
        Ops.arange.Call(end, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32) =>
        Ops.linspace.Call(start, end, steps, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32) =>
        Ops.eye.Call(n, dtype, OpArg.None, OpArg.None, OpArg.None);

    public static Tensor zeros_like(Tensor t) => Ops.zeros_like.Call(t);

    public static Tensor ones_like(Tensor t) => Ops.ones_like.Call(t);

    public static Tensor randn_like(Tensor t) => Ops.randn_like.Call(t);

    public static Tensor rand_like(Tensor t) => Ops.rand_like.Call(t);

    public static Tensor full_like(Tensor t, double value) => Ops.full_like.Call(t, value);

    private static Tensor WithGrad(Tensor t, bool requires_grad)
    {
        if (requires_grad) t.requires_grad = true;
        return t;
    }
}
