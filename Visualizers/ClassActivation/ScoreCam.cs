using CnnVis.Torch;
using CnnVis.Visualizers.Pass;

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
        var maps = a.flatten(0, 1);                                                   // [N·C, h, w]

        // A mask is its channel upsampled to the input and scaled to [0, 1]. Masks are made a chunk at a time, never
        // all N·C at once, so memory follows the caller's batch limit: first each one's lowest value and range, then
        // (made again, for the channels that vary) the masked images themselves.
        var lows = new double[images * channels];
        var ranges = new double[images * channels];
        new SampleChunks(images * channels, 1, context.MaxBatch).ForEach(chunk =>
        {
            var flat = Upsample(maps.narrow(0, chunk.Start, chunk.Count), size).to(x.dtype).flatten(1);
            var low = flat.amin(new[] { 1L });
            low.to(ScalarType.Float64).data<double>().CopyTo(lows, chunk.Start);
            (flat.amax(new[] { 1L }) - low).to(ScalarType.Float64).data<double>().CopyTo(ranges, chunk.Start);
        });

        // Only channels that vary over their image make a mask; the rest keep weight zero.
        var kept = Enumerable.Range(0, ranges.Length).Where(k => ranges[k] > 0).Select(k => (long)k).ToArray();
        var all = torch.zeros(new[] { images * channels }, x.dtype);
        new SampleChunks(kept.Length, 1, Batch ?? context.MaxBatch).ForEach(chunk =>
        {
            var (start, count) = ((int)chunk.Start, (int)chunk.Count);
            var picked = kept[start..(start + count)];
            var items = torch.tensor(picked);
            var owner = torch.tensor(picked.Select(k => k / channels).ToArray(), new[] { (long)count });
            // The values were x's dtype before they were widened to double, so they come back exactly.
            var low = torch.tensor(picked.Select(k => lows[k]).ToArray()).to(x.dtype).view(-1, 1, 1);
            var range = torch.tensor(picked.Select(k => ranges[k]).ToArray()).to(x.dtype).view(-1, 1, 1);
            var upsampled = Upsample(maps.index_select(0, items), size).to(x.dtype);  // [count, H, W]
            var masks = ((upsampled - low) / range.clamp_min(1e-12)).unsqueeze(1);     // [count, 1, H, W]
            var masked = x.index_select(0, owner) * masks;
            Tensor logits;
            using (torch.no_grad())
            using (torch.fused_inference(Winograd))
                logits = context.Model.call(masked.to_channels_last());
            var probabilities = torch.softmax(logits, 1);
            all.index_put_(new Tensor?[] { items }, probabilities.gather(1, context.Classes.index_select(0, owner).unsqueeze(1)).squeeze(1));
        });
        return scope.MoveToOuter(all.view(images, channels).to(a.dtype));
    }
}
