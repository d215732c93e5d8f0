namespace CnnVis.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Stateless layers and losses, as torch.nn.functional.</summary>
        public static class functional
        {
            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                long[]? dilation = null, long groups = 1) =>
                Ops.conv2d.Call(input, weight, bias, stride ?? One2, padding ?? Zero2, dilation ?? One2, groups);

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) => Ops.linear.Call(input, weight, bias);

            public static Tensor relu(Tensor input) => Ops.relu.Call(input);

            public static Tensor max_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null,
                long[]? dilation = null, bool ceil_mode = false) =>
                Ops.max_pool2d.Call(input, kernel_size, stride ?? kernel_size, padding ?? Zero2, dilation ?? One2, ceil_mode);

            public static Tensor avg_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null,
                bool ceil_mode = false, bool count_include_pad = true) =>
                Ops.avg_pool2d.Call(input, kernel_size, stride ?? kernel_size, padding ?? Zero2, ceil_mode, count_include_pad);

            /// <remarks>
            /// Global pooling (output 1×1) is computed as a mean over H and W: the same numbers, but its backward hands the
            /// gradient back as a broadcast, which the layer before reads at full speed in any memory format. aten's
            /// adaptive_avg_pool2d backward writes a standard-layout gradient, and a channels-last ReLU backward reading
            /// it runs about 20 times slower than with matching layouts.
            /// </remarks>
            public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size) =>
                output_size is [1, 1] && input.Dimensions == 4
                    ? input.mean(new[] { 2L, 3L }, keepdim: true)
                    : Ops.adaptive_avg_pool2d.Call(input, output_size);

            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null,
                Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Ops.batch_norm.Call(input, weight, bias, running_mean, running_var, training, momentum, eps, true);

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true)
            {
                if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be between 0 and 1, got {p}");
                return Ops.dropout.Call(input, p, training);
            }

            public static Tensor softmax(Tensor input, long dim) => Ops.softmax_int.Call(input, dim);

            public static Tensor log_softmax(Tensor input, long dim) => Ops.log_softmax_int.Call(input, dim);

            /// <summary>Cross-entropy of logits [N, C] against class indices [N] (int64), mean over the batch by default.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                long ignore_index = -100, double label_smoothing = 0.0)
            {
                if (label_smoothing < 0 || label_smoothing > 1)
                    throw new ArgumentOutOfRangeException(nameof(label_smoothing), $"label smoothing must be between 0 and 1, got {label_smoothing}");
                // libtorch's own message ("expected scalar type Long but found Float") does not say which input is wrong.
                var targetType = target.dtype;
                if (targetType != ScalarType.Int64 && !target.shape.AsSpan().SequenceEqual(input.shape))
                    throw new ArgumentException($"cross_entropy: the target must hold int64 class indices, or class probabilities shaped like the input " +
                        $"[{string.Join(", ", input.shape)}]; got {targetType} of shape [{string.Join(", ", target.shape)}]", nameof(target));
                return Ops.cross_entropy_loss.Call(input, target, weight, (long)reduction, ignore_index, label_smoothing);
            }

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Ops.mse_loss.Call(input, target, (long)reduction);

            public static Tensor one_hot(Tensor input, long num_classes = -1) => Ops.one_hot.Call(input, num_classes);

            /// <summary>Pads the last dimensions: pad = [left, right, top, bottom, ...], as torch.nn.functional.pad.</summary>
            public static Tensor pad(Tensor input, long[] pad, double value = 0) => Ops.constant_pad_nd.Call(input, pad, value);

            /// <summary>Pads [N, C, H, W] by <paramref name="pad"/> = [left, right, top, bottom] in <paramref name="mode"/>, as torch.nn.functional.pad.</summary>
            public static Tensor pad(Tensor input, long[] pad, PaddingMode mode, double value = 0) => mode switch
            {
                PaddingMode.Constant => Ops.constant_pad_nd.Call(input, pad, value),
                PaddingMode.Replicate => Ops.replication_pad2d.Call(input, pad),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), $"unknown padding mode {mode}"),
            };

            /// <summary>Resizes [N, C, H, W] to <paramref name="size"/> (bilinear or nearest).</summary>
            public static Tensor interpolate(Tensor input, long[] size, InterpolationMode mode = InterpolationMode.Bilinear, bool align_corners = false)
            {
                if (size.Length != 2) throw new ArgumentException($"interpolate needs a 2-element size [H, W], got {size.Length} elements");
                return mode switch
                {
                    InterpolationMode.Bilinear => Ops.upsample_bilinear2d.Call(input, size, align_corners, OpArg.None, OpArg.None),
                    InterpolationMode.Nearest => Ops.upsample_nearest2d.Call(input, size, OpArg.None, OpArg.None),
                    _ => throw new ArgumentOutOfRangeException(nameof(mode)),
                };
            }

            private static readonly long[] One2 = { 1, 1 };
            private static readonly long[] Zero2 = { 0, 0 };
        }
    }
}
