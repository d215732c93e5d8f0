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

    public override Tensor forward(Tensor input) => torch.nn.functional.adaptive_avg_pool2d(input, _size);
}
