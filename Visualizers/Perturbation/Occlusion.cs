using CnnVis.Torch;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Perturbation;

/// <summary>
/// Occlusion sensitivity (Zeiler and Fergus, 2014): a window filled with <see cref="Fill"/> (by default 0 in the
/// model's input, which for standardised images is the dataset mean, not black) slides over the image (all
/// channels at once) and each pixel gets the drop of the target logit, f(x) − f(occluded x), averaged over the
/// windows that cover it. The windows step by the stride, with one more window flush with the right and bottom
/// edges when the stride does not reach them, so every pixel is covered. The N × windows occluded copies go
/// through the model as many at a time as the pass's batch limit allows, in channels-last layout (faster convolutions;
/// the logits differ only by float rounding). By default the model's first local layers run only on the patch each
/// window changes (<see cref="IncrementalOcclusion"/>). Maps are [N, H, W]; the pass reports
/// "NAME.incremental-layers" (e.g. "occlusion.incremental-layers"), how many layers ran on patches.
/// </summary>
public sealed class Occlusion : ExplanationMethod
{
    public Occlusion(int window = 4, int stride = 2, double fill = 0, bool incremental = true) : this(window, window, stride, stride, fill, incremental) { }

    /// <param name="fill">What the window is filled with, e.g. <see cref="Baseline.Black"/>.</param>
    public Occlusion(int window, int stride, Baseline fill, bool incremental = true) : this(window, window, stride, stride, fill, incremental) { }

    /// <param name="fill">The value, in the model's input units, every channel of the window is set to: 0 is the dataset mean for standardised images.</param>
    public Occlusion(int windowHeight, int windowWidth, int strideY, int strideX, double fill = 0, bool incremental = true)
        : this(windowHeight, windowWidth, strideY, strideX, fill == 0 ? Baseline.Zero : Baseline.Constant(fill), incremental) { }

    /// <param name="incremental">
    /// Compute the model's first local layers (convolutions, batch norm, ReLUs, max-pools it applies one after another
    /// to the input) only on the patch each window changes (<see cref="IncrementalOcclusion"/>); the maps are the
    /// same up to float rounding. Models where that does not apply run whole forwards either way.
    /// </param>
    public Occlusion(int windowHeight, int windowWidth, int strideY, int strideX, Baseline fill, bool incremental = true)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (windowHeight < 1 || windowWidth < 1) throw new ArgumentOutOfRangeException(nameof(windowHeight), $"the occluding window must be at least 1×1, got {windowHeight}×{windowWidth}");
        if (strideY < 1 || strideX < 1) throw new ArgumentOutOfRangeException(nameof(strideY), $"the stride must be at least 1, got {strideY}×{strideX}");
        WindowHeight = windowHeight;
        WindowWidth = windowWidth;
        StrideY = strideY;
        StrideX = strideX;
        Fill = fill;
        Incremental = incremental;
    }

    public int WindowHeight { get; }
    public int WindowWidth { get; }
    public int StrideY { get; }
    public int StrideX { get; }
    /// <summary>What the window is filled with, in the model's input units.</summary>
    public Baseline Fill { get; }
    public bool Incremental { get; }

    /// <summary>"occlusion", with the settings that differ from the defaults, as <see cref="ExplanationMethods"/> reads them back.</summary>
    public override string Name
    {
        get
        {
            var settings = new List<string>();
            if (WindowHeight != 4 || WindowWidth != 4) settings.Add(WindowHeight == WindowWidth ? $"window={WindowHeight}" : $"window={WindowHeight}x{WindowWidth}");
            if (StrideY != 2 || StrideX != 2) settings.Add(StrideY == StrideX ? $"stride={StrideY}" : $"stride={StrideY}x{StrideX}");
            if (!ReferenceEquals(Fill, Baseline.Zero)) settings.Add($"fill={Fill.Name}");
            return settings.Count == 0 ? "occlusion" : $"occlusion({string.Join(',', settings)})";
        }
    }

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
        var tops = Offsets(height, WindowHeight, StrideY);
        var lefts = Offsets(width, WindowWidth, StrideX);
        // Window masks are made per chunk, never all P at once: at 224x224 with a small stride they would take GBs.
        var positions = (long)tops.Count * lefts.Count;
        var classes = context.Classes.unsqueeze(1);
        var cleanLogits = context.Record(ReluRule.Standard).Logits;
        var clean = cleanLogits.gather(1, classes).squeeze(1);
        // The incremental engine fills every channel with one scalar; a per-channel or per-pixel fill runs whole forwards.
        var uniformFill = Fill.UniformValue;
        var fillImages = uniformFill is null ? Fill.For(x) : null;
        using var engine = Incremental && uniformFill is not null
            ? IncrementalOcclusion.TryCreate(context.Model, x, cleanLogits, tops, lefts, WindowHeight, WindowWidth)
            : null;
        var incremental = engine;

        var sums = torch.zeros(new[] { images, height, width }, x.dtype);
        new SampleChunks(images, positions, context.MaxBatch).ForEach(chunk =>
        {
            var owner = chunk.ImageIndex();
            var sample = chunk.SampleIndex();
            var mask = Windows(sample.data<long>(), tops, lefts, height, width).to(x.dtype);  // [count, 1, H, W], 1 inside
            Tensor Occluded() => (x.index_select(0, owner) * (1.0 - mask)) + (fillImages is null ? mask * uniformFill!.Value : mask * fillImages.index_select(0, owner));
            Tensor WholeForwards()
            {
                using var noGrad = torch.no_grad();
                return context.Model.call(Occluded().to_channels_last());
            }
            Tensor logits;
            if (incremental is null)
            {
                logits = WholeForwards();
            }
            else
            {
                var owners = owner.data<long>();
                var samples = sample.data<long>();
                var windowTops = samples.Select(p => tops[(int)(p / lefts.Count)]).ToArray();
                var windowLefts = samples.Select(p => lefts[(int)(p % lefts.Count)]).ToArray();
                logits = incremental.Logits(owners, windowTops, windowLefts, uniformFill!.Value, x.dtype);
                if (chunk.Start == 0 && !incremental.AgreesWithWholeForwards(Occluded(), logits))
                {
                    // A model the patches do not fit after all: whole forwards from here on.
                    incremental = null;
                    logits = WholeForwards();
                }
            }
            var drop = clean.index_select(0, owner) - logits.gather(1, context.Classes.index_select(0, owner).unsqueeze(1)).squeeze(1);
            var spread = mask.squeeze(1) * drop.to(x.dtype).view(-1, 1, 1);
            var added = sums.index_add(0, owner, spread).MoveToOuterDisposeScope();
            sums.Dispose();
            sums = added;
        });
        // How many of the model's first layers ran on patches (0: whole forwards), as "NAME.incremental-layers".
        context.Report(this, "incremental-layers", scope.MoveToOuter(torch.tensor((long)(incremental?.Layers ?? 0))));
        var coverage = Windows(Enumerable.Range(0, (int)positions).Select(p => (long)p).ToArray(), tops, lefts, height, width, sum: true)
            .squeeze(0).to(x.dtype);                                         // [1, H, W]: windows over each pixel
        return scope.MoveToOuter(sums / coverage);
    }

    // The masks [count, 1, H, W] of the windows at the given positions (position p is row p / lefts, column p % lefts),
    // 1 inside the window; or, with sum, one [1, 1, H, W] counting the windows over each pixel.
    private Tensor Windows(long[] positions, IReadOnlyList<long> tops, IReadOnlyList<long> lefts, long height, long width, bool sum = false)
    {
        var masks = torch.zeros(new long[] { sum ? 1 : positions.Length, 1, height, width });
        for (var k = 0; k < positions.Length; k++)
        {
            var (top, left) = (tops[(int)(positions[k] / lefts.Count)], lefts[(int)(positions[k] % lefts.Count)]);
            using var window = masks[sum ? 0 : k, 0, TensorIndex.Slice(top, top + WindowHeight), TensorIndex.Slice(left, left + WindowWidth)];
            if (sum) window.add_(1.0);
            else window.fill_(1);
        }
        return masks;
    }
}
