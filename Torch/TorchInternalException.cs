namespace CnnVis.Torch;

/// <summary>The engine failed in a way no input explains (a failed internal assertion, an unknown native error): a defect.</summary>
public sealed class TorchInternalException : TorchException
{
    public TorchInternalException(string message) : base(message) { }

    public TorchInternalException(string message, Exception? inner) : base(message, inner) { }
}
