namespace CnnVis.Training.Onnx;

/// <summary>
/// Reads ML.NET's <c>ResNetPreprocess.onnx</c>: the transform its ResNet-18 expects in front of it. The graph
/// splits the image [N, 3, H, W] into its three channels, concatenates them in another order (RGB to BGR),
/// and subtracts a mean image [1, 3, H, W]. This checks exactly that structure and returns the order and
/// the mean image; anything else is refused naming what differs.
/// </summary>
public static class ResNetPreprocessGraph
{
    /// <summary>What the graph does: output channel c is input channel <c>ChannelOrder[c]</c>, minus <c>Mean</c>.</summary>
    public sealed record Transform(int[] ChannelOrder, OnnxTensor Mean, long[] InputShape);

    public static Transform Read(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Graph;
        OnnxFormatException Fail(string message) => new($"{model.Source}: not the expected ResNet preprocessing graph: {message}");
        var inputs = g.Inputs.Where(i => !g.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1) throw Fail($"expected one image input, found {inputs.Count}");
        var input = inputs[0];
        if (input.ElementType != 1 || input.Shape.Length != 4 || input.Shape[1] != 3)
            throw Fail($"the input '{input.Name}' has element type {input.ElementType} and shape {input.ShapeText}, expected float [N, 3, H, W]");
        string[] ops = ["Split", "Concat", "Sub"];
        if (g.Nodes.Count != 3 || !g.Nodes.Select(n => n.OpType).Order().SequenceEqual(ops.Order()))
            throw Fail($"expected the nodes Split, Concat, Sub; found {string.Join(", ", g.Nodes.Select(n => n.OpType))}");
        var split = g.Nodes.Single(n => n.OpType == "Split");
        var concat = g.Nodes.Single(n => n.OpType == "Concat");
        var sub = g.Nodes.Single(n => n.OpType == "Sub");

        if (split.Inputs.Count != 1 || split.Inputs[0] != input.Name) throw Fail($"the Split reads '{string.Join(", ", split.Inputs)}', expected the input '{input.Name}'");
        if (split.Attribute("axis")?.Int != 1) throw Fail($"the Split's axis is {split.Attribute("axis")?.ValueText ?? "absent"}, expected 1 (channels)");
        if (split.Outputs.Count != 3) throw Fail($"the Split has {split.Outputs.Count} outputs, expected 3 (one per channel)");
        if (split.Attribute("split") is { } parts && !parts.Ints.SequenceEqual([1L, 1, 1]))
            throw Fail($"the Split's parts are {parts.ValueText}, expected [1, 1, 1]");

        if (concat.Attribute("axis")?.Int != 1) throw Fail($"the Concat's axis is {concat.Attribute("axis")?.ValueText ?? "absent"}, expected 1 (channels)");
        if (concat.Inputs.Count != 3) throw Fail($"the Concat joins {concat.Inputs.Count} tensors, expected 3");
        var order = concat.Inputs.Select(name => split.Outputs.ToList().IndexOf(name)).ToArray();
        if (order.Any(i => i < 0) || order.Distinct().Count() != 3)
            throw Fail($"the Concat joins '{string.Join("', '", concat.Inputs)}', expected the three channels the Split writes, each once");

        if (sub.Inputs.Count != 2 || sub.Inputs[0] != concat.Outputs.FirstOrDefault())
            throw Fail($"the Sub reads '{string.Join(", ", sub.Inputs)}', expected the Concat's output minus a mean image");
        if (!g.Initializers.TryGetValue(sub.Inputs[1], out var mean)) throw Fail($"the mean image '{sub.Inputs[1]}' is missing from the initializers");
        if (mean.Dims.Length != 4 || mean.Dims[0] != 1 || mean.Dims[1] != 3 || mean.Dims[2] < 1 || mean.Dims[3] < 1)
            throw Fail($"the mean image '{mean.Name}' has shape {mean.ShapeText}, expected [1, 3, H, W]");
        if (input.Shape[2] > 0 && (input.Shape[2] != mean.Dims[2] || input.Shape[3] != mean.Dims[3]))
            throw Fail($"the input is {input.ShapeText} but the mean image is {mean.ShapeText}");
        if (mean.Data.Any(v => !float.IsFinite(v))) throw Fail($"the mean image '{mean.Name}' holds non-finite values");
        if (!g.Outputs.Any(o => o.Name == sub.Outputs.FirstOrDefault())) throw Fail("the Sub's result is not the graph's output");
        return new Transform(order, mean, input.Shape);
    }
}
