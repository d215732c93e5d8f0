namespace CnnVis.Torch;

/// <summary>libtorch could not allocate the memory a call needed: a resource limit, not a bad input as such.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    public TorchOutOfMemoryException(string message) : base(message) { }

    public TorchOutOfMemoryException(string message, Exception? inner) : base(message, inner) { }
}
