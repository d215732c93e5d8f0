namespace CnnVis.Training.Onnx;

/// <summary>A float tensor stored in an ONNX graph (an initializer or an attribute's value), its data read.</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[] Data)
{
    public string ShapeText => $"[{string.Join(", ", Dims)}]";
}
