namespace CnnVis.Torch.Modules;

/// <summary>2-D max pooling (stride defaults to the kernel size).</summary>
public sealed class MaxPool2d : Module
{
    private readonly long[] _kernel, _stride, _padding;

    public MaxPool2d(long kernel_size, long? stride = null, long padding = 0)
    {
        if (kernel_size <= 0 || stride <= 0 || padding < 0)
            throw new ArgumentException($"MaxPool2d(kernel {kernel_size}, stride {stride}, padding {padding}): kernel and stride must be positive");
        _kernel = new[] { kernel_size, kernel_size };
        var s = stride ?? kernel_size;
        _stride = new[] { s, s };
        _padding = new[] { padding, padding };
    }

    public long[] KernelSize => (long[])_kernel.Clone();
    public long[] Stride => (long[])_stride.Clone();
    public long[] Padding => (long[])_padding.Clone();

    public override Tensor forward(Tensor input) => torch.nn.functional.max_pool2d(input, _kernel, _stride, _padding);
}
