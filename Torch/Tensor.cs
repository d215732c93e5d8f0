using System.Runtime.InteropServices;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>
/// A libtorch tensor. Owns one native handle: dispose it, or make it inside a <see cref="DisposeScope"/>.
/// Every operation returns a fresh tensor that its caller owns; no operation disposes its inputs.
/// </summary>
public partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;

    internal Tensor(IntPtr raw)
    {
        if (raw == IntPtr.Zero) throw new TorchInternalException("native call returned no tensor");
        _handle = new TensorHandle(raw);
        DisposeScope.Register(this);
    }

    /// <summary>Native tensors alive in this process: made and not yet freed.</summary>
    public static long LiveCount => TensorHandle.Live;

    internal DisposeScope? OwningScope { get; set; }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>
    /// The handle to pass to a native call: the marshaller holds a reference on it for the call's duration, so a
    /// Dispose on another thread meanwhile frees the native tensor only after the call returned.
    /// </summary>
    internal TensorHandle Handle
    {
        get
        {
            if (_handle.IsClosed) throw Disposed();
            return _handle;
        }
    }

    /// <summary>
    /// The raw pointer, for handles passed inside arrays or structs (operator calls, autograd.grad), with a reference
    /// held until <see cref="Release"/>: a Dispose meanwhile is deferred until then.
    /// </summary>
    internal IntPtr AddRef()
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw Disposed();
        }
        return _handle.DangerousGetHandle();
    }

    /// <summary>Drops the reference <see cref="AddRef"/> took; frees the native tensor if it was disposed meanwhile.</summary>
    internal void Release() => _handle.DangerousRelease();

    private static ObjectDisposedException Disposed() => new(nameof(Tensor), "The tensor was disposed and cannot be used.");

    public void Dispose()
    {
        _handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Keeps this tensor past the current dispose scope (it joins the outer scope, if any).</summary>
    public Tensor MoveToOuterDisposeScope() => OwningScope is { } s ? s.MoveToOuter(this) : this;

    /// <summary>Takes this tensor out of every dispose scope: the caller now disposes it.</summary>
    public Tensor DetachFromDisposeScope() => DisposeScope.Detach(this);

    public long dim()
    {
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_ndim(Handle, out var n));
        return n;
    }

    public int Dimensions => (int)dim();

    public unsafe long[] shape
    {
        get
        {
            var h = Handle;
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_ndim(h, out var n));
            var sizes = new long[n];
            fixed (long* p = sizes) TorchException.ThrowIfFailed(NativeMethods.cv_tensor_sizes(h, p, n));
            return sizes;
        }
    }

    public long size(int dim)
    {
        var s = shape;
        var d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} is out of range for a tensor of {s.Length} dimensions");
        return s[d];
    }

    public long numel()
    {
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_numel(Handle, out var n));
        return n;
    }

    public ScalarType dtype
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_dtype(Handle, out var t));
            return (ScalarType)t;
        }
    }

    public Device device
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_device(Handle, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    public bool requires_grad
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_requires_grad(Handle, out var v));
            return v != 0;
        }
        set => TorchException.ThrowIfFailed(NativeMethods.cv_tensor_set_requires_grad(Handle, value ? 1 : 0), "requires_grad");
    }

    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    public bool is_leaf
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_is_leaf(Handle, out var v));
            return v != 0;
        }
    }

    /// <summary>The accumulated gradient (a fresh handle the caller owns), or null when none.</summary>
    public Tensor? grad
    {
        get
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_grad(Handle, out var g, out var defined));
            return defined != 0 ? new Tensor(g) : null;
        }
        set
        {
            if (value is null)
            {
                TorchException.ThrowIfFailed(NativeMethods.cv_tensor_set_grad(Handle, IntPtr.Zero));
                return;
            }
            var g = value.AddRef();
            try
            {
                TorchException.ThrowIfFailed(NativeMethods.cv_tensor_set_grad(Handle, g));
            }
            finally
            {
                value.Release();
            }
        }
    }

    /// <summary>A new tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor detach()
    {
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_detach(Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>A second handle to the same tensor (same storage, same autograd identity); dispose it independently.</summary>
    public Tensor alias()
    {
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_alias(Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>Replaces this tensor's data with <paramref name="source"/>'s (PyTorch's <c>t.data = source</c>): same identity, new storage and layout.</summary>
    public void set_data(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_set_data(Handle, source.Handle), "set_data");
    }

    /// <summary>Whether the elements are laid out densely in <paramref name="format"/> order.</summary>
    public bool is_contiguous(MemoryFormat format = MemoryFormat.Contiguous)
    {
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_is_contiguous(Handle, (int)format, out var v), "is_contiguous");
        return v != 0;
    }

    public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false)
    {
        var g = gradient?.AddRef() ?? IntPtr.Zero;
        try
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_backward(Handle, g, retain_graph ? 1 : 0, create_graph ? 1 : 0), "backward");
        }
        finally
        {
            gradient?.Release();
        }
    }

    /// <summary>Copies the elements out, in row-major order; T must match the tensor's dtype.</summary>
    public unsafe T[] data<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[numel()];
        fixed (T* p = result)
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_copy_to(Handle, p, (long)result.Length * sizeof(T)), "copy out");
        }
        return result;
    }

    /// <summary>Copies the elements out, in row-major order; T must match the tensor's dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged => data<T>();

    /// <summary>The value of a one-element tensor, converted to T.</summary>
    public T item<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(bool) || typeof(T) == typeof(byte))
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_tensor_item_int64(Handle, out var l), "item");
            if (typeof(T) == typeof(long)) return (T)(object)l;
            if (typeof(T) == typeof(int)) return (T)(object)checked((int)l);
            if (typeof(T) == typeof(bool)) return (T)(object)(l != 0);
            return (T)(object)checked((byte)l);
        }
        TorchException.ThrowIfFailed(NativeMethods.cv_tensor_item_double(Handle, out var d), "item");
        if (typeof(T) == typeof(double)) return (T)(object)d;
        if (typeof(T) == typeof(float)) return (T)(object)(float)d;
        throw new NotSupportedException($"item<{typeof(T).Name}> is not supported");
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var expected = torch.ScalarTypeOf<T>();
        var actual = dtype;
        if (expected != actual)
            throw new ArgumentException($"the tensor holds {actual} elements, not {typeof(T).Name} ({expected})");
    }

    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        return $"Tensor[{string.Join("x", shape)}, {dtype}, {device}]";
    }
}
