namespace CnnVis.Torch;

public static partial class torch
{
    public static Tensor cat(Tensor[] tensors, long dim = 0) => Ops.cat.Call(tensors, dim);
    public static Tensor stack(Tensor[] tensors, long dim = 0) => Ops.stack.Call(tensors, dim);
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => Ops.where_self.Call(condition, x, y);
    public static Tensor matmul(Tensor a, Tensor b) => Ops.matmul.Call(a, b);
    public static Tensor relu(Tensor x) => Ops.relu.Call(x);
    public static Tensor sigmoid(Tensor x) => Ops.sigmoid.Call(x);
    public static Tensor exp(Tensor x) => Ops.exp.Call(x);
    public static Tensor log(Tensor x) => Ops.log.Call(x);
    public static Tensor sqrt(Tensor x) => Ops.sqrt.Call(x);
    public static Tensor abs(Tensor x) => Ops.abs.Call(x);
    public static Tensor maximum(Tensor a, Tensor b) => Ops.maximum.Call(a, b);
    public static Tensor minimum(Tensor a, Tensor b) => Ops.minimum.Call(a, b);
    public static Tensor clamp(Tensor x, double? min = null, double? max = null) => x.clamp(min, max);
    public static Tensor sum(Tensor x) => x.sum();
    public static Tensor mean(Tensor x) => x.mean();
    public static Tensor argmax(Tensor x, long dim, bool keepdim = false) => x.argmax(dim, keepdim);
    public static (Tensor values, Tensor indexes) topk(Tensor x, long k, long dim = -1, bool largest = true, bool sorted = true) =>
        x.topk(k, dim, largest, sorted);
    public static Tensor softmax(Tensor x, long dim) => Ops.softmax_int.Call(x, dim);
    public static Tensor log_softmax(Tensor x, long dim) => Ops.log_softmax_int.Call(x, dim);
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-5, double atol = 1e-8) => a.allclose(b, rtol, atol);

    public static class linalg
    {
        /// <summary>The singular value decomposition A = U diag(S) Vh, batched over leading dimensions, as torch.linalg.svd.</summary>
        public static (Tensor U, Tensor S, Tensor Vh) svd(Tensor A, bool full_matrices = true)
        {
            var r = Ops.linalg_svd.CallMany(A, full_matrices, OpArg.None);
            return (r[0], r[1], r[2]);
        }
    }

    /// <summary>Calls any dispatcher operator by name: torch.ops.invoke("aten::add.Tensor", a, b).</summary>
    public static class ops
    {
        public static object?[] invoke(string qualifiedName, params object?[] args)
        {
            var op = Op.Parse(qualifiedName);
            var packed = new OpArg[args.Length];
            for (var k = 0; k < args.Length; k++) packed[k] = OpArg.From(args[k]);
            return op.Invoke(packed);
        }

        /// <summary>Guided-backprop ReLU: ReLU forward; backward passes only positive gradient where the input was positive.</summary>
        public static Tensor guided_relu(Tensor x) => Ops.guided_relu.Call(x);

        /// <summary>Deconvnet ReLU: ReLU forward; backward passes the positive part of the gradient, whatever the input.</summary>
        public static Tensor deconv_relu(Tensor x) => Ops.deconv_relu.Call(x);

        /// <summary>
        /// relu(batch_norm(...)) as one operator (Torch/native/src/fused_ops.cpp): the same maths and the same running-statistics
        /// update, with fewer passes over memory for 4-D float CPU tensors in either memory format (anything else is computed
        /// by batch_norm then relu). The arguments are batch_norm's.
        /// </summary>
        public static Tensor batch_norm_relu(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
            bool training = false, double momentum = 0.1, double eps = 1e-5) =>
            Ops.batch_norm_relu.Call(input, weight, bias, running_mean, running_var, training, momentum, eps);

        /// <summary>
        /// Inference through a run of convolutions (each with an optional ReLU) and max-pools as one oneDNN call
        /// (Torch/native/src/conv_stack.cpp): intermediates stay in oneDNN's blocked layout, ReLUs are convolution
        /// post-ops, and with <paramref name="winograd"/> 3x3 stride-1 convolutions of 16 or more channels use Winograd's
        /// algorithm (fewer multiplications, float rounding of its own). Float32 CPU input [N, C, H, W]; the result is a
        /// new channels-last tensor with no gradient history. What Sequential runs under <see cref="fused_inference"/>.
        /// </summary>
        public static Tensor conv_stack(Tensor input, IReadOnlyList<StackLayer> layers, bool winograd = true)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(layers);
            if (layers.Count == 0) throw new ArgumentException("conv_stack needs at least one layer", nameof(layers));
            if (torch.is_grad_enabled() && (input.requires_grad || layers.Any(l => l.Weight?.requires_grad == true || l.Bias?.requires_grad == true)))
                throw new InvalidOperationException("conv_stack computes no gradient, but an input or weight requires one: call it under torch.no_grad()");
            var packed = new long[layers.Count * StackLayer.Fields];
            var weights = new List<Tensor>();
            var biases = new List<Tensor?>();
            for (var k = 0; k < layers.Count; k++)
            {
                var layer = layers[k] ?? throw new ArgumentException($"conv_stack: layer {k} is null", nameof(layers));
                layer.Pack(packed.AsSpan(k * StackLayer.Fields, StackLayer.Fields));
                if (layer.Weight is { } w)
                {
                    weights.Add(w);
                    biases.Add(layer.Bias);
                }
            }
            return Ops.conv_stack.Call(input, weights.ToArray(), OpArg.OptionalTensors(biases.ToArray()), packed, winograd);
        }
    }
}
