using CnnVis.Torch;

namespace CnnVis.Visualizers.ClassActivation;

/// <summary>
/// Score-CAM (Wang et al., 2020): each channel's activation, upsampled to the input and scaled to [0, 1], masks
/// the image, and the channel's weight is the target class's softmax probability on the masked image. Channels
/// that are constant over the image mask nothing and get weight zero (as the authors' code skips them). Needs no
/// gradient; the N × C masked images go through the model as many at a time as the pass's batch limit allows.
/// </summary>
public sealed class ScoreCam(string? layer = null) : CamMethod(layer)
{
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

        var weights = new List<Tensor>();
        foreach (var chunk in new SampleChunks(images, channels, context.MaxBatch).All())
        {
            var owner = chunk.ImageIndex();
            var items = torch.arange(chunk.Start, chunk.Start + chunk.Count, 1, ScalarType.Int64);
            var masked = x.index_select(0, owner) * masks.index_select(0, items);
            Tensor logits;
            using (torch.no_grad()) logits = context.Model.call(masked);
            var probabilities = torch.softmax(logits, 1);
            weights.Add(probabilities.gather(1, context.Classes.index_select(0, owner).unsqueeze(1)).squeeze(1));
        }
        var all = torch.cat(weights.ToArray()).view(images, channels);
        var masksSomething = range.view(images, channels).gt(0);
        return scope.MoveToOuter(torch.where(masksSomething, all, torch.zeros_like(all)).to(a.dtype));
    }
}
