using CnnVis.Torch;

namespace CnnVis.Training.Models;

/// <summary>
/// ML.NET's ResNet preprocessing (read from <c>ResNetPreprocess.onnx</c>) as a module, so explanations reach
/// back to the pixels a user sees: an RGB image in [0, 1] becomes 0..255 values (the scale ML.NET's pixel
/// extractor feeds that graph), its channels reordered as the graph concatenates them (RGB to BGR), minus the
/// graph's mean image. At the mean image's own size (224x224) this is the graph exactly; at another size the
/// mean image is resized bilinearly to the input.
/// </summary>
public sealed class ImageNetPreprocess : Module
{
    public const double PixelScale = 255;

    private readonly int[] _order;

    /// <param name="channelOrder">Output channel c is input channel <c>channelOrder[c]</c>.</param>
    /// <param name="mean">The mean image [1, 3, H, W] in the output's channel order.</param>
    public ImageNetPreprocess(int[] channelOrder, Tensor mean)
    {
        ArgumentNullException.ThrowIfNull(channelOrder);
        ArgumentNullException.ThrowIfNull(mean);
        if (channelOrder.Length != 3 || channelOrder.Order().Where((c, i) => c != i).Any())
            throw new ArgumentException($"the channel order must be a permutation of 0, 1, 2, got [{string.Join(", ", channelOrder)}]", nameof(channelOrder));
        if (mean.Dimensions != 4 || mean.size(0) != 1 || mean.size(1) != 3)
            throw new ArgumentException($"the mean image must be [1, 3, H, W], got [{string.Join(", ", mean.shape)}]", nameof(mean));
        _order = (int[])channelOrder.Clone();
        register_buffer("mean", mean.detach().DetachFromDisposeScope());
        register_buffer("channel_order", torch.tensor(_order.Select(c => (long)c).ToArray()).DetachFromDisposeScope(), persistent: false);
    }

    public IReadOnlyList<int> ChannelOrder => _order;

    public Tensor Mean => get_buffer("mean")!;

    public override Tensor forward(Tensor input)
    {
        if (input.Dimensions != 4 || input.size(1) != 3)
            throw new ArgumentException($"the ImageNet preprocessing expects RGB images [N, 3, H, W], got [{string.Join(", ", input.shape)}]");
        using var scope = torch.NewDisposeScope();
        var reordered = input.index_select(1, get_buffer("channel_order")!).mul(PixelScale);
        var mean = Mean;
        var (h, w) = (input.size(2), input.size(3));
        if (mean.size(2) != h || mean.size(3) != w)
            mean = torch.nn.functional.interpolate(mean, [h, w], InterpolationMode.Bilinear, align_corners: false);
        return scope.MoveToOuter(reordered.sub(mean));
    }
}
