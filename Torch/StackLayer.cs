namespace CnnVis.Torch;

/// <summary>
/// One layer of <see cref="torch.ops.conv_stack"/>: a convolution (weight [O, I, kH, kW], optional bias, stride,
/// zero padding, optionally followed by ReLU) or a max-pool (kernel, stride, padding; floor mode).
/// </summary>
public sealed class StackLayer
{
    /// <summary>Integers per layer in the native operator's packed list: kind, kernel (h, w), stride (h, w), padding (h, w), relu.</summary>
    internal const int Fields = 8;

    private readonly long _kind;
    private readonly long[] _kernel, _stride, _padding;

    private StackLayer(long kind, Tensor? weight, Tensor? bias, long[] kernel, long[] stride, long[] padding, bool relu)
    {
        if (stride.Length != 2 || padding.Length != 2 || kernel.Length != 2)
            throw new ArgumentException("conv_stack layers take two values (height, width) for kernel, stride and padding");
        _kind = kind;
        Weight = weight;
        Bias = bias;
        _kernel = kernel;
        _stride = stride;
        _padding = padding;
        Relu = relu;
    }

    /// <summary>A convolution; its kernel size is the weight's.</summary>
    public static StackLayer Conv(Tensor weight, Tensor? bias, long[] stride, long[] padding, bool relu)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Dimensions != 4)
            throw new ArgumentException($"conv_stack: a convolution weight is [O, I, kH, kW], got shape [{string.Join(", ", weight.shape)}]", nameof(weight));
        return new StackLayer(0, weight, bias, [weight.size(2), weight.size(3)], (long[])stride.Clone(), (long[])padding.Clone(), relu);
    }

    /// <summary>A max-pool, floor mode, padding treated as minus infinity.</summary>
    public static StackLayer MaxPool(long[] kernel, long[] stride, long[] padding) =>
        new(1, null, null, (long[])kernel.Clone(), (long[])stride.Clone(), (long[])padding.Clone(), false);

    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public bool Relu { get; }

    internal void Pack(Span<long> into)
    {
        into[0] = _kind;
        into[1] = _kernel[0];
        into[2] = _kernel[1];
        into[3] = _stride[0];
        into[4] = _stride[1];
        into[5] = _padding[0];
        into[6] = _padding[1];
        into[7] = Relu ? 1 : 0;
    }
}
