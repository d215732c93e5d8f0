using CnnVis.Torch;

namespace CnnVis.Visualizers;

/// <summary>A Gaussian blur of images [N, C, H, W], each channel on its own, with edges repeated outwards (no darkening at the border).</summary>
internal static class GaussianBlur
{
    /// <summary>A normalised Gaussian, one copy per channel for a depthwise convolution: [C, 1, k, k] with k = 2⌈2σ⌉ + 1.</summary>
    public static Tensor Kernel(double sigma, long channels, ScalarType dtype)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), $"the blur's sigma must be positive, got {sigma}");
        var radius = (int)Math.Ceiling(2 * sigma);
        var size = 2 * radius + 1;
        var weights = new double[size * size];
        double total = 0;
        for (var y = -radius; y <= radius; y++)
        {
            for (var x = -radius; x <= radius; x++)
            {
                var w = Math.Exp(-(x * x + y * y) / (2 * sigma * sigma));
                weights[(y + radius) * size + x + radius] = w;
                total += w;
            }
        }
        for (var k = 0; k < weights.Length; k++) weights[k] /= total;
        using var kernel = torch.tensor(weights, new long[] { 1, 1, size, size });
        using var repeated = kernel.repeat(channels, 1, 1, 1);
        return repeated.to(dtype);
    }

    /// <summary>Blurs <paramref name="images"/> with a kernel from <see cref="Kernel"/>; a new tensor.</summary>
    public static Tensor Apply(Tensor images, Tensor kernel)
    {
        var radius = kernel.size(3) / 2;
        using var padded = torch.nn.functional.pad(images, new[] { radius, radius, radius, radius }, PaddingMode.Replicate);
        return torch.nn.functional.conv2d(padded, kernel, groups: images.size(1));
    }

    /// <summary>Blurs <paramref name="images"/> with standard deviation <paramref name="sigma"/> pixels; a new tensor.</summary>
    public static Tensor Apply(Tensor images, double sigma)
    {
        using var kernel = Kernel(sigma, images.size(1), images.dtype);
        return Apply(images, kernel);
    }
}
