namespace CnnVis.Training.Onnx;

/// <summary>An ONNX file that cannot be read, or whose graph is not the network it should be; the message names the file and what differs.</summary>
public sealed class OnnxFormatException : IOException
{
    public OnnxFormatException(string message) : base(message)
    {
    }

    public OnnxFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
