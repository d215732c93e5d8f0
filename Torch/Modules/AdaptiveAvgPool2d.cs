namespace CnnVis.Torch.Modules;

/// <summary>Averages [N, C, H, W] down to a fixed output size; (1, 1) is global average pooling.</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    private readonly long[] _size;

    public AdaptiveAvgPool2d(long height, long width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"AdaptiveAvgPool2d output size must be positive, got {height}x{width}");
        _size = new[] { height, width };
    }

    public AdaptiveAvgPool2d(long size) : this(size, size) { }

    public override Tensor forward(Tensor input)
    {
        // Global pooling as a mean over H and W: the same numbers, but its backward hands the gradient back as a broadcast,
        // which the layer before reads at full speed in any memory format. adaptive_avg_pool2d's backward writes a standard-
        // layout gradient, and a channels-last ReLU backward reading it runs about 20 times slower than with matching layouts.
        if (_size[0] == 1 && _size[1] == 1 && input.Dimensions == 4) return input.mean(new[] { 2L, 3L }, keepdim: true);
        return torch.nn.functional.adaptive_avg_pool2d(input, _size);
    }
}
