using CnnVis.Torch;

namespace CnnVis.Visualizers.Perturbation;

/// <summary>
/// Occlusion sensitivity (Zeiler and Fergus, 2014): a window filled with a constant slides over the image (all
/// channels at once) and each pixel gets the drop of the target logit, f(x) − f(occluded x), averaged over the
/// windows that cover it. The windows step by the stride, with one more window flush with the right and bottom
/// edges when the stride does not reach them, so every pixel is covered. The N × windows occluded copies go
/// through the model as many at a time as the pass's batch limit allows, in channels-last layout (faster convolutions;
/// the logits differ only by float rounding). Maps are [N, H, W].
/// </summary>
public sealed class Occlusion : ExplanationMethod
{
    public Occlusion(int window = 4, int stride = 2, double fill = 0) : this(window, window, stride, stride, fill) { }

    public Occlusion(int windowHeight, int windowWidth, int strideY, int strideX, double fill = 0)
    {
        if (windowHeight < 1 || windowWidth < 1) throw new ArgumentOutOfRangeException(nameof(windowHeight), $"the occluding window must be at least 1×1, got {windowHeight}×{windowWidth}");
        if (strideY < 1 || strideX < 1) throw new ArgumentOutOfRangeException(nameof(strideY), $"the stride must be at least 1, got {strideY}×{strideX}");
        WindowHeight = windowHeight;
        WindowWidth = windowWidth;
        StrideY = strideY;
        StrideX = strideX;
        Fill = fill;
    }

    public int WindowHeight { get; }
    public int WindowWidth { get; }
    public int StrideY { get; }
    public int StrideX { get; }
    public double Fill { get; }

    public override string Name => "occlusion";

    protected internal override void Plan(PassPlan plan) => plan.RequireForward(ReluRule.Standard);

    /// <summary>Top-left corners of the windows along one side of length <paramref name="length"/>.</summary>
    public static IReadOnlyList<long> Offsets(long length, int window, int stride)
    {
        if (window > length) throw new ArgumentException($"the occluding window ({window}) is larger than the image ({length})");
        var offsets = new List<long>();
        for (long o = 0; o + window <= length; o += stride) offsets.Add(o);
        if (offsets[^1] + window < length) offsets.Add(length - window);
        return offsets;
    }

    protected internal override Tensor Compute(ExplanationContext context)
    {
        using var scope = torch.NewDisposeScope();
        var x = context.Input;
        var shape = x.shape;
        long images = shape[0], height = shape[2], width = shape[3];
        var masks = Windows(height, width).to(x.dtype);                  // [P, 1, H, W], 1 inside the window
        var positions = masks.size(0);
        var classes = context.Classes.unsqueeze(1);
        var clean = context.Record(ReluRule.Standard).Logits.gather(1, classes).squeeze(1);

        var sums = torch.zeros(new[] { images, height, width }, x.dtype);
        foreach (var chunk in new SampleChunks(images, positions, context.MaxBatch).All())
        {
            using var inner = torch.NewDisposeScope();
            var owner = chunk.ImageIndex();
            var mask = masks.index_select(0, chunk.SampleIndex());
            var occluded = (x.index_select(0, owner) * (1.0 - mask)) + (mask * Fill);
            Tensor logits;
            using (torch.no_grad()) logits = context.Model.call(occluded.to_channels_last());
            var drop = clean.index_select(0, owner) - logits.gather(1, context.Classes.index_select(0, owner).unsqueeze(1)).squeeze(1);
            var spread = mask.squeeze(1) * drop.to(x.dtype).view(-1, 1, 1);
            sums = inner.MoveToOuter(Op.Find("aten::index_add").Call(sums, 0L, owner, spread, 1.0));
        }
        var coverage = masks.sum(0);                                          // [1, H, W]: windows over each pixel
        return scope.MoveToOuter(sums / coverage);
    }

    private Tensor Windows(long height, long width)
    {
        var tops = Offsets(height, WindowHeight, StrideY);
        var lefts = Offsets(width, WindowWidth, StrideX);
        var masks = torch.zeros(new long[] { tops.Count * lefts.Count, 1, height, width });
        var k = 0L;
        foreach (var top in tops)
        {
            foreach (var left in lefts)
            {
                using var window = masks[k, 0, TensorIndex.Slice(top, top + WindowHeight), TensorIndex.Slice(left, left + WindowWidth)];
                window.fill_(1);
                k++;
            }
        }
        return masks;
    }
}
