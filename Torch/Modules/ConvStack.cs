namespace CnnVis.Torch.Modules;

/// <summary>
/// A run of a Sequential's children that <see cref="torch.ops.conv_stack"/> can compute in one call: convolutions
/// (groups 1, dilation 1), each optionally followed by an eval-mode BatchNorm2d with running statistics (folded into
/// the convolution) and a ReLU (a post-op), and max-pools; at least one convolution, every child in eval mode and
/// without forward hooks.
/// </summary>
internal sealed class ConvStack
{
    /// <summary>The run in order: a convolution with the batch norm folded into it and whether a ReLU follows, or a max-pool.</summary>
    private readonly List<(Module layer, BatchNorm2d? norm, bool relu)> _layers = new();

    private ConvStack() { }

    /// <summary>How many of the Sequential's children the run covers.</summary>
    public int ModuleCount { get; private set; }

    /// <summary>The longest run starting at <paramref name="start"/>, or null when none starts there or the input does not suit it.</summary>
    public static ConvStack? From(IReadOnlyList<Module> layers, int start, Tensor input)
    {
        if (layers[start] is not Conv2d first || !Fits(first, input)) return null;
        var stack = new ConvStack();
        var k = start;
        while (k < layers.Count)
        {
            if (layers[k] is Conv2d conv && Fits(conv))
            {
                var next = k + 1;
                var norm = next < layers.Count && layers[next] is BatchNorm2d bn && Foldable(bn, conv) ? bn : null;
                if (norm is not null) next++;
                var relu = next < layers.Count && layers[next] is ReLU r && r.ForwardHookCount == 0 && !r.training;
                if (relu) next++;
                stack._layers.Add((conv, norm, relu));
                k = next;
            }
            else if (layers[k] is MaxPool2d pool && pool.ForwardHookCount == 0 && !pool.training && HalfKernelPadding(pool))
            {
                stack._layers.Add((pool, null, false));
                k++;
            }
            else
            {
                break;
            }
        }
        stack.ModuleCount = k - start;
        return stack;
    }

    /// <summary>The run's output: conv_stack over the layers, with each batch norm folded into its convolution.</summary>
    public Tensor Run(Tensor input, FusedInference setting)
    {
        using var scope = torch.NewDisposeScope();
        var layers = _layers.Select(l =>
        {
            if (l.layer is MaxPool2d pool) return StackLayer.MaxPool(pool.KernelSize, pool.Stride, pool.Padding);
            var conv = (Conv2d)l.layer;
            var (weight, bias) = l.norm is null ? (conv.weight, conv.bias) : Fold(conv, l.norm);
            return StackLayer.Conv(weight, bias, conv.Stride, conv.Padding, l.relu);
        }).ToList();
        setting.CountStackCall();
        return scope.MoveToOuter(torch.ops.conv_stack(input, layers, setting.Winograd));
    }

    /// <summary>
    /// The convolution that equals conv then eval-mode batch norm: each output channel's weights times
    /// weight / sqrt(running_var + eps), its bias mapped as the running mean and the norm's bias say.
    /// </summary>
    private static (Tensor weight, Tensor bias) Fold(Conv2d conv, BatchNorm2d norm)
    {
        var scale = (norm.running_var! + norm.Eps).rsqrt();
        if (norm.weight is { } gamma) scale = scale * gamma;
        var bias = conv.bias is { } b ? b - norm.running_mean! : -norm.running_mean!;
        bias = bias * scale;
        if (norm.bias is { } beta) bias = bias + beta;
        return (conv.weight * scale.view(-1, 1, 1, 1), bias);
    }

    private static bool Fits(Conv2d conv, Tensor input) =>
        Fits(conv) && input.Dimensions == 4 && input.size(1) == conv.InChannels && input.dtype == ScalarType.Float32
        && input.device.type == DeviceType.CPU;

    private static bool Fits(Conv2d conv) =>
        conv.ForwardHookCount == 0 && !conv.training && conv.Groups == 1 && conv.Dilation.All(d => d == 1)
        && conv.weight.dtype == ScalarType.Float32 && conv.weight.device.type == DeviceType.CPU;

    private static bool Foldable(BatchNorm2d norm, Conv2d conv) =>
        !norm.training && norm.ForwardHookCount == 0 && norm.running_mean is not null && norm.running_var is not null
        && norm.NumFeatures == conv.OutChannels;

    private static bool HalfKernelPadding(MaxPool2d pool)
    {
        var (kernel, padding) = (pool.KernelSize, pool.Padding);
        return padding[0] <= kernel[0] / 2 && padding[1] <= kernel[1] / 2;
    }
}
