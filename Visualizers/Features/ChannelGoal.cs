using System.Globalization;
using CnnVis.Torch;

namespace CnnVis.Visualizers.Features;

/// <summary>Image i raises the mean activation of channel <c>channels[i]</c> of a layer.</summary>
internal sealed class ChannelGoal : ActivationGoal
{
    private readonly string _layer;
    private readonly int[] _channels;

    public ChannelGoal(string layer, int[] channels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        _layer = layer;
        _channels = CheckIndices(channels, "channel");
    }

    public override string? Layer => _layer;

    public override int Count => _channels.Length;

    internal override Tensor Score(Tensor output)
    {
        if (output.Dimensions != 4)
            throw new InvalidOperationException($"layer '{_layer}' gives shape [{string.Join(", ", output.shape)}], but a channel goal needs feature maps [N, K, h, w]");
        var width = output.size(1);
        var tooLarge = _channels.FirstOrDefault(c => c >= width, -1);
        if (tooLarge >= 0) throw new ArgumentOutOfRangeException("channels", $"channel {tooLarge} is out of range: layer '{_layer}' has {width} channels (0-{width - 1})");
        using var scope = torch.NewDisposeScope();
        var selector = Selector(_channels, width, output).unsqueeze(2).unsqueeze(3);
        var picked = (output * selector).sum(1);
        return scope.MoveToOuter(picked.mean(new[] { 1L, 2L }));
    }

    public override string Describe(int index) => $"{_layer} channel {_channels[index].ToString(CultureInfo.InvariantCulture)}";
}
