namespace CnnVis.Training.Onnx;

/// <summary>A graph input or output: its name, element type and shape (a dimension given by name only is -1).</summary>
public sealed record OnnxValueInfo(string Name, int ElementType, long[] Shape)
{
    public string ShapeText => $"[{string.Join(", ", Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}
