namespace CnnVis.Training.Onnx;

/// <summary>A node's attribute: the fields ResNet graphs use (a float, an integer, a list of integers, a string).</summary>
public sealed record OnnxAttribute(string Name, float? Float, long? Int, IReadOnlyList<long> Ints, string? Text)
{
    public string ValueText => Float is { } f ? f.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Int is { } i ? i.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Text is { } s ? $"'{s}'"
        : $"[{string.Join(", ", Ints)}]";
}
