namespace CnnVis.Torch.Native;

/// <summary>
/// Tensors referenced for one native call that takes their raw pointers in an array: until <see cref="Dispose"/>,
/// a Dispose of any of them on another thread is deferred, so the call never reads a freed tensor.
/// </summary>
internal sealed class HeldTensors(int capacity) : IDisposable
{
    private readonly List<Tensor> _held = new(capacity);

    /// <summary>The tensor's raw pointer, referenced until this is disposed; zero for null.</summary>
    public IntPtr Hold(Tensor? tensor)
    {
        if (tensor is null) return IntPtr.Zero;
        var raw = tensor.AddRef();
        _held.Add(tensor);
        return raw;
    }

    public void Dispose()
    {
        foreach (var t in _held) t.Release();
        _held.Clear();
    }
}
