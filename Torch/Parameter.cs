namespace CnnVis.Torch;

/// <summary>A tensor a module learns: a leaf that requires grad, owned by its module, never by a dispose scope.</summary>
public sealed class Parameter : Tensor
{
    private Parameter(IntPtr raw) : base(raw) { }

    /// <summary>Wraps the data of <paramref name="data"/> (shared storage, cut from any graph).</summary>
    public Parameter(Tensor data, bool requires_grad = true) : this(DetachedHandle(data))
    {
        DetachFromDisposeScope();
        this.requires_grad = requires_grad;
    }

    private static IntPtr DetachedHandle(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TorchException.ThrowIfFailed(Native.NativeMethods.cv_tensor_detach(data.Handle, out var r));
        return r;
    }
}
