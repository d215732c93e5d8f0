using System.Globalization;

namespace CnnVis.Training.Onnx;

/// <summary>
/// Checks that an ONNX graph is a ResNet-18 up to its global average pool (ML.NET's <c>ResNet18.onnx</c>,
/// exported from CNTK: a 7x7 stem, stages of basic blocks at 64, 128, 256 and 512 channels, projection
/// shortcuts, every convolution followed by its own unfolded BatchNormalization) and reads its weights under
/// torchvision's state-dict names (<c>conv1.weight</c>, <c>layer2.0.downsample.1.running_var</c>, ...).
/// The number of blocks per stage is read from the graph: ML.NET's file has 2, 2, 2 and 3 (22 convolutions),
/// one block more in its last stage than torchvision's resnet18. The graph is traced from its input
/// through the tensors each node reads, so node order and tensor names do not matter, and every node must
/// be used exactly once. Any difference is refused naming the layer, what was expected and what was found.
/// </summary>
public static class ResNet18Graph
{
    /// <summary>ResNet-18's stages: (channels, stride of the first block).</summary>
    public static IReadOnlyList<(int channels, int stride)> Stages { get; } = [(64, 1), (128, 2), (256, 2), (512, 2)];

    public const float BatchNormEpsilon = 1e-5f;

    /// <summary>The most blocks a stage may have (ResNet-152's deepest stage has 36; an 18-layer one far fewer).</summary>
    public const int MaxBlocksPerStage = 8;

    /// <summary>What the graph holds: blocks per stage and every weight under torchvision's names.</summary>
    public sealed record Backbone(IReadOnlyList<int> BlocksPerStage, IReadOnlyDictionary<string, OnnxTensor> Weights);

    /// <summary>The blocks per stage and the weights of <paramref name="model"/>, after checking the graph.</summary>
    public static Backbone Read(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new Tracer(model).Run();
    }

    private sealed class Tracer
    {
        private readonly OnnxModel _model;
        private readonly OnnxGraph _graph;
        private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
        private readonly HashSet<OnnxNode> _used = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, OnnxTensor> _weights = new(StringComparer.Ordinal);

        public Tracer(OnnxModel model)
        {
            _model = model;
            _graph = model.Graph;
            foreach (var node in _graph.Nodes)
            {
                foreach (var input in node.Inputs.Distinct())
                {
                    if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                    list.Add(node);
                }
                foreach (var output in node.Outputs)
                {
                    if (!_producers.TryAdd(output, node)) throw Fail($"the tensor '{output}' is written by two nodes");
                }
            }
        }

        public Backbone Run()
        {
            var source = CheckInput();
            var x = Conv("conv1", source, 3, 64, 7, 2);
            x = BatchNorm("bn1", x, 64);
            x = Relu("relu", x);
            x = MaxPool(x);
            var inChannels = 64;
            var blocks = new int[Stages.Count];
            for (var s = 0; s < Stages.Count; s++)
            {
                var (channels, stride) = Stages[s];
                x = Block($"layer{s + 1}.0", x, inChannels, channels, stride);
                inChannels = channels;
                blocks[s] = 1;
                // Another block of this stage follows while the stage's output also feeds a residual sum (an identity shortcut).
                while (_consumers.GetValueOrDefault(x)?.Any(n => n.OpType == "Add" && !_used.Contains(n)) == true)
                {
                    if (blocks[s] == MaxBlocksPerStage) throw Fail($"layer{s + 1} has more than {MaxBlocksPerStage} blocks");
                    x = Block($"layer{s + 1}.{blocks[s]}", x, channels, channels, 1);
                    blocks[s]++;
                }
            }
            x = AveragePool(x);
            var output = _graph.Outputs.FirstOrDefault(o => o.Name == x)
                ?? throw Fail($"the average pool's result '{x}' is not the graph's output (outputs: {string.Join(", ", _graph.Outputs.Select(o => o.Name))})");
            if (output.Shape.Length != 4 || output.Shape[1] != 512)
                throw Fail($"the output '{output.Name}' has shape {output.ShapeText}, expected [N, 512, 1, 1]");
            var unused = _graph.Nodes.Where(n => !_used.Contains(n)).ToList();
            if (unused.Count > 0)
                throw Fail($"the graph has {unused.Count} node{(unused.Count == 1 ? "" : "s")} that ResNet-18 does not: {string.Join("; ", unused.Take(5))}");
            return new Backbone(blocks, _weights);
        }

        private string CheckInput()
        {
            var inputs = _graph.Inputs.Where(i => !_graph.Initializers.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1)
                throw Fail($"expected one image input, found {inputs.Count} ({string.Join(", ", inputs.Select(i => i.Name))})");
            var input = inputs[0];
            if (input.ElementType != 1) throw Fail($"the input '{input.Name}' has element type {input.ElementType}, expected float (1)");
            if (input.Shape.Length != 4 || input.Shape[1] != 3)
                throw Fail($"the input '{input.Name}' has shape {input.ShapeText}, expected [N, 3, H, W]");
            return input.Name;
        }

        private string Block(string name, string x, int inChannels, int channels, int stride)
        {
            var a = Conv($"{name}.conv1", x, inChannels, channels, 3, stride);
            a = BatchNorm($"{name}.bn1", a, channels);
            a = Relu($"{name}.relu", a);
            a = Conv($"{name}.conv2", a, channels, channels, 3, 1);
            a = BatchNorm($"{name}.bn2", a, channels);
            var add = Single($"{name} (the residual sum)", a, "Add");
            if (add.Inputs.Count != 2) throw Fail($"{name}: the residual Add has {add.Inputs.Count} inputs, expected 2");
            var shortcut = add.Inputs[0] == a ? add.Inputs[1] : add.Inputs[0];
            if (stride == 1 && inChannels == channels)
            {
                if (shortcut != x) throw Fail($"{name}: the residual Add reads '{shortcut}', expected the block's input '{x}' (an identity shortcut)");
            }
            else
            {
                // The projection shortcut: a strided 1x1 convolution and its batch norm, traced backwards from the sum.
                if (!_producers.TryGetValue(shortcut, out var bn) || bn.OpType != "BatchNormalization")
                    throw Fail($"{name}.downsample: the residual Add reads '{shortcut}', expected the output of a BatchNormalization of a 1x1 convolution");
                var conv = _producers.GetValueOrDefault(bn.Inputs.FirstOrDefault() ?? "");
                if (conv is null || conv.OpType != "Conv" || conv.Inputs.FirstOrDefault() != x)
                    throw Fail($"{name}.downsample: expected a Conv of the block's input '{x}' before '{bn}'");
                var convOut = ConvNode($"{name}.downsample.0", conv, inChannels, channels, 1, stride);
                if (BatchNormNode($"{name}.downsample.1", bn, channels) != shortcut || convOut != bn.Inputs[0])
                    throw Fail($"{name}.downsample: the shortcut's layers are not connected");
            }
            Use(add);
            return Relu($"{name}.relu (after the sum)", add.Outputs[0]);
        }

        // A block's input also feeds its projection shortcut's 1x1 Conv: the Conv meant is told apart by its kernel.
        private string Conv(string name, string x, int inChannels, int outChannels, int kernel, int stride) =>
            ConvNode(name, Single(name, x, ["Conv"], n => KernelOf(n) is not { } k || k == kernel), inChannels, outChannels, kernel, stride);

        private long? KernelOf(OnnxNode conv) =>
            conv.Inputs.Count > 1 && _graph.Initializers.TryGetValue(conv.Inputs[1], out var w) && w.Dims.Length == 4 ? w.Dims[3] : null;

        private string ConvNode(string name, OnnxNode node, int inChannels, int outChannels, int kernel, int stride)
        {
            if (node.Inputs.Count != 2)
                throw Fail($"{name}: the Conv has {node.Inputs.Count} inputs; expected 2 (data and weights, no bias, as batch norm follows)");
            var weight = Initializer(name, "weights", node.Inputs[1], outChannels, inChannels, kernel, kernel);
            CheckInts(name, node, "kernel_shape", [kernel, kernel], required: false);
            CheckInts(name, node, "strides", [stride, stride], required: true);
            CheckInts(name, node, "dilations", [1, 1], required: false);
            if (node.Attribute("group") is { } g && g.Int != 1) throw Fail($"{name}: a grouped convolution (group {g.ValueText}), expected group 1");
            CheckPads(name, node, kernel / 2, stride);
            _weights[$"{name}.weight"] = weight;
            Use(node);
            return node.Outputs[0];
        }

        private string BatchNorm(string name, string x, int channels) => BatchNormNode(name, Single(name, x, "BatchNormalization"), channels);

        private string BatchNormNode(string name, OnnxNode node, int channels)
        {
            if (node.Inputs.Count != 5) throw Fail($"{name}: the BatchNormalization has {node.Inputs.Count} inputs, expected 5 (data, scale, bias, mean, variance)");
            if (node.Attribute("spatial") is { } spatial && spatial.Int != 1)
                throw Fail($"{name}: BatchNormalization with spatial={spatial.ValueText}; only per-channel (spatial=1) statistics are ResNet's");
            var eps = node.Attribute("epsilon")?.Float ?? BatchNormEpsilon;
            if (Math.Abs(eps - BatchNormEpsilon) > 1e-9)
                throw Fail($"{name}: BatchNormalization epsilon {eps.ToString(CultureInfo.InvariantCulture)}, expected {BatchNormEpsilon.ToString(CultureInfo.InvariantCulture)}");
            string[] parts = ["weight", "bias", "running_mean", "running_var"];
            string[] roles = ["scale", "bias", "mean", "variance"];
            for (var k = 0; k < 4; k++) _weights[$"{name}.{parts[k]}"] = Initializer(name, roles[k], node.Inputs[k + 1], channels);
            if (_weights[$"{name}.running_var"].Data.Any(v => !(v >= 0) || !float.IsFinite(v)))
                throw Fail($"{name}: the batch norm's variance holds negative or non-finite values");
            Use(node);
            return node.Outputs[0];
        }

        private string Relu(string name, string x)
        {
            var node = Single(name, x, "Relu");
            Use(node);
            return node.Outputs[0];
        }

        private string MaxPool(string x)
        {
            var node = Single("maxpool", x, "MaxPool");
            CheckInts("maxpool", node, "kernel_shape", [3, 3], required: true);
            CheckInts("maxpool", node, "strides", [2, 2], required: true);
            CheckPads("maxpool", node, 1, 2);
            if (node.Outputs.Count != 1) throw Fail($"maxpool: the MaxPool has {node.Outputs.Count} outputs, expected 1 (no indices)");
            Use(node);
            return node.Outputs[0];
        }

        private string AveragePool(string x)
        {
            var node = Single("avgpool", x, "AveragePool", "GlobalAveragePool");
            if (node.OpType == "AveragePool")
            {
                // A 7x7 window over layer4's 7x7 map (at 224x224 input) is the global average pool.
                CheckInts("avgpool", node, "kernel_shape", [7, 7], required: true);
                CheckInts("avgpool", node, "strides", [1, 1], required: false);
                CheckInts("avgpool", node, "pads", [0, 0, 0, 0], required: false);
            }
            Use(node);
            return node.Outputs[0];
        }

        // The single node reading tensor x; it must be of the given type and not yet used.
        private OnnxNode Single(string name, string x, params string[] ops) => Single(name, x, ops, _ => true);

        private OnnxNode Single(string name, string x, string[] ops, Func<OnnxNode, bool> which)
        {
            var readers = _consumers.GetValueOrDefault(x)?.Where(n => !_used.Contains(n)).ToList() ?? [];
            var match = readers.Where(n => ops.Contains(n.OpType)).ToList();
            if (match.Count > 1) match = match.Where(which).ToList();
            if (match.Count == 1)
            {
                if (match[0].Outputs.Count == 0) throw Fail($"{name}: the {match[0].OpType} writes no output");
                return match[0];
            }
            var expected = string.Join(" or ", ops);
            if (match.Count == 0)
            {
                var found = readers.Count == 0 ? "nothing reads it" : $"found {string.Join(", ", readers.Select(n => n.OpType))}";
                throw Fail($"{name}: expected a {expected} reading '{x}'; {found}");
            }
            throw Fail($"{name}: expected one {expected} reading '{x}', found {match.Count}");
        }

        private OnnxTensor Initializer(string name, string role, string tensorName, params long[] shape)
        {
            if (!_graph.Initializers.TryGetValue(tensorName, out var t))
                throw Fail($"{name}: the {role} '{tensorName}' {(role == "weights" ? "are" : "is")} missing from the initializers");
            if (!t.Dims.SequenceEqual(shape))
                throw Fail($"{name}: the {role} '{tensorName}' {(role == "weights" ? "have" : "has")} shape {t.ShapeText}, expected [{string.Join(", ", shape)}]");
            if (t.Data.Any(v => !float.IsFinite(v))) throw Fail($"{name}: the {role} '{tensorName}' holds non-finite values");
            return t;
        }

        private void CheckInts(string name, OnnxNode node, string attribute, long[] expected, bool required)
        {
            var a = node.Attribute(attribute);
            if (a is null)
            {
                if (required) throw Fail($"{name}: the {node.OpType} has no '{attribute}', expected [{string.Join(", ", expected)}]");
                return;
            }
            if (!a.Ints.SequenceEqual(expected))
                throw Fail($"{name}: the {node.OpType}'s {attribute} is {a.ValueText}, expected [{string.Join(", ", expected)}]");
        }

        // Torchvision pads p on every side. CNTK writes "same" padding for a stride-2 window as p before and p-1
        // after; both place every window identically and give the same output size whenever the input side is
        // even, which it is at every stride-2 layer for an input side that is a multiple of 32 (224 included).
        private void CheckPads(string name, OnnxNode node, int p, int stride)
        {
            if (node.Attribute("auto_pad") is { Text: { } mode } && mode != "NOTSET")
                throw Fail($"{name}: the {node.OpType} uses auto_pad '{mode}'; expected explicit pads");
            var pads = node.Attribute("pads")?.Ints ?? [0, 0, 0, 0];
            var end = stride == 2 && p > 0 ? new long[] { p, p - 1 } : [p];
            if (pads.Count != 4 || pads[0] != p || pads[1] != p || !end.Contains(pads[2]) || !end.Contains(pads[3]))
                throw Fail($"{name}: the {node.OpType}'s pads are [{string.Join(", ", pads)}], expected [{p}, {p}, {string.Join(" or ", end)}, {string.Join(" or ", end)}]");
        }

        private void Use(OnnxNode node)
        {
            if (!_used.Add(node)) throw Fail($"the node {node} is reached twice");
        }

        private OnnxFormatException Fail(string message) =>
            new($"{_model.Source}: not the expected ResNet-18 graph: {message}");
    }
}
