namespace CnnVis.Training.Onnx;

/// <summary>One operator of an ONNX graph: its type, the tensors it reads and writes, its attributes.</summary>
public sealed record OnnxNode(string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public OnnxAttribute? Attribute(string name) => Attributes.GetValueOrDefault(name);

    public override string ToString() => $"{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}
