using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Score-CAM (Wang et al., 2020): each channel's activation, upsampled to the input and scaled to [0, 1], masks
/// the image, and the channel's weight is the target class's softmax probability on the masked image. Channels
/// that are constant over the image mask nothing and get weight zero (as the authors' code skips them), so their
/// masked images are never made: after a ReLU many channels are all zero for a given image, and only the others go
/// through the model. Needs no gradient; the masked images go through the model as many at a time as the pass's
/// batch limit allows, in channels-last layout, under <see cref="torch.fused_inference"/>: the model's Sequential
/// conv/batch-norm/ReLU/max-pool runs go through oneDNN in one call each, 3x3 convolutions by Winograd's algorithm
/// unless <paramref name="winograd"/> is false (the scores differ from the modules' own only by float rounding:
/// at most 2.4e-7 on FashionNet's probabilities, more in deeper networks).
/// </summary>
public sealed class ScoreCam(string? layer = null, bool winograd = true, int? batch = null) : CamMethod(layer)
{
    /// <summary>Masked images per forward; null: the pass's batch limit. It changes speed and memory, not the map.</summary>
    public int? Batch { get; } = batch is null or > 0 ? batch : throw new ArgumentOutOfRangeException(nameof(batch), $"Score-CAM's batch must be at least 1, got {batch}");

    /// <summary>Whether the masked images' 3x3 convolutions may use Winograd's algorithm.</summary>
    public bool Winograd { get; } = winograd;

    protected override string BaseName => "scorecam";

    protected override bool NeedsGradients => false;

    protected override Tensor ChannelWeights(CamInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var context = inputs.Context;
        var x = context.Input;
        var a = inputs.Activations;
        long images = a.size(0), channels = a.size(1);
        var size = context.ImageSize;

        var upsampled = Upsample(a.flatten(0, 1), size).to(x.dtype);              // [N·C, H, W]
        var flat = upsampled.flatten(1);
        var low = flat.amin(new[] { 1L }).view(-1, 1, 1);
        var range = (flat.amax(new[] { 1L }) - flat.amin(new[] { 1L })).view(-1, 1, 1);
        var masks = ((upsampled - low) / range.clamp_min(1e-12)).unsqueeze(1); // [N·C, 1, H, W]

        // Only channels that vary over their image make a mask; the rest keep weight zero.
        var ranges = range.flatten().to(ScalarType.Float64).data<double>();
        var kept = Enumerable.Range(0, ranges.Length).Where(k => ranges[k] > 0).Select(k => (long)k).ToArray();
        var all = torch.zeros(new[] { images * channels }, x.dtype);
        var perForward = Batch ?? context.MaxBatch;
        for (var start = 0; start < kept.Length; start += perForward)
        {
            var count = Math.Min(perForward, kept.Length - start);
            var items = torch.tensor(kept[start..(start + count)]);
            var owners = new long[count];
            for (var k = 0; k < count; k++) owners[k] = kept[start + k] / channels;
            var owner = torch.tensor(owners, new[] { (long)count });
            var masked = x.index_select(0, owner) * masks.index_select(0, items);
            Tensor logits;
            using (torch.no_grad())
            using (torch.fused_inference(Winograd))
                logits = context.Model.call(masked.to_channels_last());
            var probabilities = torch.softmax(logits, 1);
            all.index_put_(new Tensor?[] { items }, probabilities.gather(1, context.Classes.index_select(0, owner).unsqueeze(1)).squeeze(1));
        }
        return scope.MoveToOuter(all.view(images, channels).to(a.dtype));
    }
}
