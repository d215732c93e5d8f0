namespace CnnVis.Torch.Modules;

/// <summary>2-D convolution with PyTorch's default initialisation (weight and bias uniform in ±1/√fan_in).</summary>
public sealed class Conv2d : Module
{
    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
    {
        if (in_channels <= 0 || out_channels <= 0 || kernel_size <= 0 || stride <= 0 || dilation <= 0 || groups <= 0)
            throw new ArgumentException($"Conv2d({in_channels}, {out_channels}, kernel {kernel_size}, stride {stride}, dilation {dilation}, groups {groups}): sizes must be positive");
        if (padding < 0) throw new ArgumentException($"Conv2d padding must not be negative, got {padding}");
        if (in_channels % groups != 0 || out_channels % groups != 0)
            throw new ArgumentException($"Conv2d channels ({in_channels} in, {out_channels} out) must be divisible by groups ({groups})");
        InChannels = in_channels;
        OutChannels = out_channels;
        KernelSize = kernel_size;
        Stride = new[] { stride, stride };
        Padding = new[] { padding, padding };
        Dilation = new[] { dilation, dilation };
        Groups = groups;
        var fanIn = in_channels / groups * kernel_size * kernel_size;
        var bound = 1.0 / Math.Sqrt(fanIn);
        using (torch.no_grad())
        {
            using var w = torch.empty(new[] { out_channels, in_channels / groups, kernel_size, kernel_size }).uniform_(-bound, bound);
            weight = new Parameter(w);
            register_parameter("weight", weight);
            if (bias)
            {
                using var b = torch.empty(new[] { out_channels }).uniform_(-bound, bound);
                this.bias = new Parameter(b);
            }
            register_parameter("bias", this.bias);
        }
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public long KernelSize { get; }
    public long[] Stride { get; }
    public long[] Padding { get; }
    public long[] Dilation { get; }
    public long Groups { get; }
    public Parameter weight { get; }
    public Parameter? bias { get; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv2d(input, weight, bias, Stride, Padding, Dilation, Groups);
}
