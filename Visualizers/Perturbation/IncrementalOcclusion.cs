using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Perturbation;

/// <summary>
/// Incremental inference for occlusion (after Nakandala et al., "Incremental and Approximate Inference for Faster
/// Occlusion-based Deep CNN Explanations", SIGMOD 2019). A window changes only a small patch of the early layers'
/// activations: a 4×4 window on a 28×28 image changes 6×6 outputs of a 3×3 convolution, 8×8 of the next. So the
/// local layers the model runs first (convolutions, batch norm in evaluation mode, ReLUs, max-pools without padding)
/// are computed for each occluded copy on that patch only, from a crop of the clean image's activations, and the
/// patch is pasted into the clean activation; the rest of the model then runs on the whole batch as usual. The
/// logits are those of a full forward up to float rounding (convolutions summed over the same terms).
///
/// The layers are found by watching one forward: the chain of leaf modules where each takes the previous one's
/// output, starting from the input. The rest of the model is run through a forward hook on the last chain layer
/// that swaps in the patched activations, after the layers before it ran on a single image. Before use, the chain is
/// checked: the clean activations swapped in must give the clean logits. If no chain is found, or it would not save
/// work, or the check fails, <see cref="TryCreate"/> returns null and occlusion runs whole forwards.
/// </summary>
internal sealed class IncrementalOcclusion : IDisposable
{
    private enum Kind { Conv, Pool, Elementwise }

    private sealed record Stage(Module Module, Kind Kind, long[] Kernel, long[] Stride, long[] Padding, long InHeight, long InWidth,
        long OutHeight, long OutWidth, long Channels);

    private readonly Module _model;
    private readonly Stage[] _stages;
    // Each stage's input for every clean image as rows [B * Hp * Wp, C] of its zero-padded map (margins per axis).
    private readonly Tensor[] _paddedRows;
    private readonly long[][] _margins;
    private readonly Tensor _lastRows; // the last stage's clean output as rows [B, H * W, C]
    private readonly Tensor _probe;    // one image: the forward that carries the swapped-in activations
    private readonly long _windowHeight, _windowWidth;
    private readonly long[] _boxHeights, _boxWidths;

    private IncrementalOcclusion(Module model, Stage[] stages, Tensor[] paddedRows, long[][] margins, Tensor lastRows, Tensor probe,
        long windowHeight, long windowWidth, long[] boxHeights, long[] boxWidths)
    {
        _model = model;
        _stages = stages;
        _paddedRows = paddedRows;
        _margins = margins;
        _lastRows = lastRows;
        _probe = probe;
        _windowHeight = windowHeight;
        _windowWidth = windowWidth;
        _boxHeights = boxHeights;
        _boxWidths = boxWidths;
    }

    /// <summary>How many of the model's first layers are computed on patches.</summary>
    public int Layers => _stages.Length;

    /// <summary>
    /// Sets incremental occlusion up for these images and windows, or returns null when the model does not allow it
    /// (or it would not save work). <paramref name="cleanLogits"/> are the model's logits on <paramref name="x"/>.
    /// </summary>
    public static IncrementalOcclusion? TryCreate(Module model, Tensor x, Tensor cleanLogits, IReadOnlyList<long> tops, IReadOnlyList<long> lefts,
        long windowHeight, long windowWidth)
    {
        if (x.Dimensions != 4 || x.size(0) == 0) return null;
        using var scope = torch.NewDisposeScope();
        var probe = x.narrow(0, 0, 1).contiguous();
        var chain = Chain(model, probe);
        if (chain.Count == 0) return null;

        // Patch sizes per stage (the largest over the windows), and the last convolution whose patch is at most half its map.
        var rowsPlan = PlanAxis(tops, windowHeight, chain, 0);
        var colsPlan = PlanAxis(lefts, windowWidth, chain, 1);
        var useful = 0;
        for (var k = 0; k < chain.Count; k++)
        {
            if (chain[k].Kind == Kind.Conv && rowsPlan.Sizes[k] * colsPlan.Sizes[k] * 2 <= chain[k].OutHeight * chain[k].OutWidth) useful = k + 1;
        }
        if (useful == 0) return null;
        // Go on through the elementwise layers and pools right after the last useful convolution: they cost little on patches.
        var cut = useful;
        while (cut < chain.Count && chain[cut].Kind != Kind.Conv) cut++;
        var stages = chain.Take(cut).ToArray();

        // The clean activations at every stage's input and at the last stage's output.
        var inputs = CleanActivations(model, x, stages, out var lastOutput);
        try
        {
            return Build(model, x, probe, cleanLogits, stages, inputs, lastOutput, rowsPlan, colsPlan, cut, windowHeight, windowWidth);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
            lastOutput.Dispose();
        }
    }

    private static IncrementalOcclusion? Build(Module model, Tensor x, Tensor probe, Tensor cleanLogits, Stage[] stages, Tensor[] inputs, Tensor lastOutput,
        AxisPlan rowsPlan, AxisPlan colsPlan, int cut, long windowHeight, long windowWidth)
    {
        var paddedRows = new Tensor[stages.Length];
        var margins = new long[stages.Length][];
        for (var k = 0; k < stages.Length; k++)
        {
            long top = rowsPlan.Before[k], bottom = rowsPlan.After[k], left = colsPlan.Before[k], right = colsPlan.After[k];
            margins[k] = new[] { top, bottom, left, right };
            var padded = torch.nn.functional.pad(inputs[k], new[] { left, right, top, bottom });
            paddedRows[k] = padded.permute(0, 2, 3, 1).contiguous().view(-1, padded.size(1));
        }
        var last = stages[^1];
        var lastRows = lastOutput.permute(0, 2, 3, 1).contiguous().view(x.size(0), last.OutHeight * last.OutWidth, last.Channels);
        var engine = new IncrementalOcclusion(model, stages, paddedRows.Select(t => t.DetachFromDisposeScope()).ToArray(), margins,
            lastRows.DetachFromDisposeScope(), probe.alias().DetachFromDisposeScope(), windowHeight, windowWidth, rowsPlan.Sizes[..cut], colsPlan.Sizes[..cut]);
        try
        {
            // The check: the clean activations swapped in give the clean logits.
            if (!SameLogits(engine.RunRest(lastOutput), cleanLogits))
                throw new InvalidOperationException("the rest of the model does not reproduce the clean logits");
            return engine;
        }
        catch (Exception e) when (e is TorchException or InvalidOperationException or ArgumentException)
        {
            engine.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Whether the first few of <paramref name="logits"/> (from <see cref="Logits"/>) are those whole forwards give for
    /// the same occluded copies: the check that the patches fit this model.
    /// </summary>
    public bool AgreesWithWholeForwards(Tensor occluded, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        var count = Math.Min(4, occluded.size(0));
        Tensor expected;
        using (torch.no_grad()) expected = _model.call(occluded.narrow(0, 0, count).to_channels_last());
        return SameLogits(logits.narrow(0, 0, count), expected);
    }

    // Equal up to float rounding: within 1e-4 of the largest |logit|.
    private static bool SameLogits(Tensor actual, Tensor expected)
    {
        using var scope = torch.NewDisposeScope();
        var scale = Math.Max(1e-6, expected.abs().max().item<float>());
        var difference = (actual - expected).abs().max().item<float>();
        return difference <= 1e-4 * scale;
    }

    /// <summary>The logits of the occluded copies: image <paramref name="owners"/>[n] with window (tops[n], lefts[n]) set to fill.</summary>
    public Tensor Logits(long[] owners, long[] windowTops, long[] windowLefts, double fill, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var n = owners.Length;
        // The patch the previous stage changed: first the window itself, every channel set to the fill value.
        var boxTop = (long[])windowTops.Clone();
        var boxLeft = (long[])windowLefts.Clone();
        long boxHeight = _windowHeight, boxWidth = _windowWidth;
        var box = torch.full(new long[] { n, _paddedRows[0].size(1), boxHeight, boxWidth }, fill, dtype);
        for (var k = 0; k < _stages.Length; k++)
        {
            var stage = _stages[k];
            if (stage.Kind == Kind.Elementwise)
            {
                box = stage.Module.forward(box);
                continue;
            }
            // This stage's patch, the crop of its input it reads, and where the previous patch lies in that crop.
            long outHeight = _boxHeights[k], outWidth = _boxWidths[k];
            long cropHeight = (outHeight - 1) * stage.Stride[0] + stage.Kernel[0], cropWidth = (outWidth - 1) * stage.Stride[1] + stage.Kernel[1];
            var outTop = new long[n];
            var outLeft = new long[n];
            var cropIndex = new long[n * cropHeight * cropWidth];
            // The previous patch goes into the crop where it lies on the map; off the map the crop keeps its zero margin.
            var pasteTargets = new List<long>(n * (int)(boxHeight * boxWidth));
            var pasteSources = new List<long>(n * (int)(boxHeight * boxWidth));
            var margins = _margins[k];
            long paddedHeight = stage.InHeight + margins[0] + margins[1], paddedWidth = stage.InWidth + margins[2] + margins[3];
            for (var v = 0; v < n; v++)
            {
                outTop[v] = AffectedStart(boxTop[v], stage, 0);
                outLeft[v] = AffectedStart(boxLeft[v], stage, 1);
                long cropTop = outTop[v] * stage.Stride[0] - stage.Padding[0], cropLeft = outLeft[v] * stage.Stride[1] - stage.Padding[1];
                long rowTop = cropTop + margins[0], colLeft = cropLeft + margins[2];
                var baseRow = owners[v] * paddedHeight * paddedWidth;
                var at = v * cropHeight * cropWidth;
                for (long i = 0; i < cropHeight; i++)
                    for (long j = 0; j < cropWidth; j++)
                        cropIndex[at++] = baseRow + (rowTop + i) * paddedWidth + colLeft + j;
                long dy = boxTop[v] - cropTop, dx = boxLeft[v] - cropLeft;
                if (dy < 0 || dx < 0 || dy + boxHeight > cropHeight || dx + boxWidth > cropWidth)
                    throw new InvalidOperationException("a changed patch reaches outside the crop its next layer reads");
                for (long i = 0; i < boxHeight; i++)
                {
                    var y = boxTop[v] + i;
                    if (y < 0 || y >= stage.InHeight) continue;
                    for (long j = 0; j < boxWidth; j++)
                    {
                        var xx = boxLeft[v] + j;
                        if (xx < 0 || xx >= stage.InWidth) continue;
                        pasteTargets.Add(v * cropHeight * cropWidth + (dy + i) * cropWidth + dx + j);
                        pasteSources.Add((v * boxHeight + i) * boxWidth + j);
                    }
                }
            }
            var rows = _paddedRows[k].index_select(0, torch.tensor(cropIndex));
            var boxRows = box.permute(0, 2, 3, 1).reshape(-1, box.size(1)).index_select(0, torch.tensor(pasteSources.ToArray()));
            rows = rows.index_copy(0, torch.tensor(pasteTargets.ToArray()), boxRows.to(rows.dtype));
            var crop = rows.view(n, cropHeight, cropWidth, rows.size(1)).permute(0, 3, 1, 2);
            box = stage.Kind == Kind.Conv
                ? ConvOnCrop((Conv2d)stage.Module, crop)
                : torch.nn.functional.max_pool2d(crop, stage.Kernel, stage.Stride);
            boxTop = outTop;
            boxLeft = outLeft;
            boxHeight = outHeight;
            boxWidth = outWidth;
        }

        // Paste each patch into its image's clean activation, and run the rest of the model on the batch.
        var last = _stages[^1];
        long mapHeight = last.OutHeight, mapWidth = last.OutWidth, plane = mapHeight * mapWidth;
        var full = _lastRows.index_select(0, torch.tensor(owners)).reshape(-1, last.Channels);
        var targets = new List<long>();
        var sources = new List<long>();
        for (var v = 0; v < n; v++)
        {
            for (long i = 0; i < boxHeight; i++)
            {
                var y = boxTop[v] + i;
                if (y < 0 || y >= mapHeight) continue;
                for (long j = 0; j < boxWidth; j++)
                {
                    var xx = boxLeft[v] + j;
                    if (xx < 0 || xx >= mapWidth) continue;
                    targets.Add(v * plane + y * mapWidth + xx);
                    sources.Add((v * boxHeight + i) * boxWidth + j);
                }
            }
        }
        var patchRows = box.permute(0, 2, 3, 1).reshape(-1, box.size(1)).index_select(0, torch.tensor(sources.ToArray()));
        full = full.index_copy(0, torch.tensor(targets.ToArray()), patchRows.to(full.dtype));
        var activation = full.view(n, mapHeight, mapWidth, last.Channels).permute(0, 3, 1, 2);
        return scope.MoveToOuter(RunRest(activation));
    }

    private static Tensor ConvOnCrop(Conv2d conv, Tensor crop) =>
        torch.nn.functional.conv2d(crop, conv.weight, conv.bias, conv.Stride, new long[] { 0, 0 }, conv.Dilation, conv.Groups);

    // The model from the last stage on: a one-image forward whose last-stage output is swapped for the given batch.
    private Tensor RunRest(Tensor activation)
    {
        using var hook = _stages[^1].Module.register_forward_hook((_, _, _) => activation.alias());
        using var noGrad = torch.no_grad();
        return _model.call(_probe);
    }

    // --- geometry -------------------------------------------------------------------------------------------------

    // The first output row (axis 0) or column (axis 1) whose window reads input position `start`.
    private static long AffectedStart(long start, Stage stage, int axis)
    {
        if (stage.Kind == Kind.Elementwise) return start;
        var numerator = start + stage.Padding[axis] - stage.Kernel[axis] + 1;
        var stride = stage.Stride[axis];
        return numerator >= 0 ? (numerator + stride - 1) / stride : -((-numerator) / stride);
    }

    private static long AffectedEnd(long end, Stage stage, int axis)
    {
        if (stage.Kind == Kind.Elementwise) return end;
        var numerator = end + stage.Padding[axis];
        var stride = stage.Stride[axis];
        return numerator >= 0 ? numerator / stride : -((-numerator + stride - 1) / stride);
    }

    private sealed record AxisPlan(long[] Sizes, long[] Before, long[] After);

    // Along one axis: each stage's patch size (the most output positions one window can change, given the previous
    // stage's patch size), and how far its crops reach before and after its input map (zero margins).
    private static AxisPlan PlanAxis(IReadOnlyList<long> offsets, long window, IReadOnlyList<Stage> stages, int axis)
    {
        var starts = offsets.ToArray();
        var size = window;
        var sizes = new long[stages.Count];
        var before = new long[stages.Count];
        var after = new long[stages.Count];
        for (var k = 0; k < stages.Count; k++)
        {
            var stage = stages[k];
            if (stage.Kind == Kind.Elementwise)
            {
                sizes[k] = size;
                continue;
            }
            var firsts = new long[starts.Length];
            long next = 0;
            for (var w = 0; w < starts.Length; w++)
            {
                firsts[w] = AffectedStart(starts[w], stage, axis);
                next = Math.Max(next, AffectedEnd(starts[w] + size - 1, stage, axis) - firsts[w] + 1);
            }
            var length = axis == 0 ? stage.InHeight : stage.InWidth;
            foreach (var first in firsts)
            {
                var cropStart = first * stage.Stride[axis] - stage.Padding[axis];
                var cropEnd = cropStart + (next - 1) * stage.Stride[axis] + stage.Kernel[axis];
                before[k] = Math.Max(before[k], -cropStart);
                after[k] = Math.Max(after[k], cropEnd - length);
            }
            sizes[k] = next;
            starts = firsts;
            size = next;
        }
        return new AxisPlan(sizes, before, after);
    }

    // --- finding the chain ----------------------------------------------------------------------------------------

    // The leaf modules the model applies first, each to the previous one's output, as long as they are local layers.
    private static List<Stage> Chain(Module model, Tensor probe)
    {
        using var scope = torch.NewDisposeScope();
        var calls = new List<(Module module, bool chained, Tensor input, Tensor output)>();
        var hooks = new List<IDisposable>();
        var chain = new List<Stage>();
        // A layer is chained when it was handed the very tensor object the previous layer returned (the input first).
        object previous = probe;
        try
        {
            foreach (var (_, module) in model.named_modules())
            {
                if (module.children().Any()) continue;
                hooks.Add(module.register_forward_hook((m, input, output) =>
                {
                    calls.Add((m, ReferenceEquals(input, previous), input.alias(), output.alias()));
                    previous = output;
                    return null;
                }));
            }
            using (torch.no_grad()) model.call(probe).Dispose();
        }
        finally
        {
            foreach (var h in hooks) h.Dispose();
        }
        try
        {
            foreach (var (module, chained, input, output) in calls)
            {
                if (!chained || input.Dimensions != 4 || output.Dimensions != 4) break;
                var stage = StageOf(module, input, output);
                if (stage is null) break;
                chain.Add(stage);
            }
        }
        finally
        {
            foreach (var (_, _, input, output) in calls)
            {
                input.Dispose();
                output.Dispose();
            }
        }
        return chain;
    }

    private static Stage? StageOf(Module module, Tensor input, Tensor output)
    {
        long inH = input.size(2), inW = input.size(3), outH = output.size(2), outW = output.size(3), channels = output.size(1);
        switch (module)
        {
            case Conv2d conv when conv.Dilation.All(d => d == 1):
                return new Stage(conv, Kind.Conv, new[] { conv.KernelSize, conv.KernelSize }, conv.Stride, conv.Padding, inH, inW, outH, outW, channels);
            case MaxPool2d pool when pool.Padding.All(p => p == 0) && pool.KernelSize.Zip(pool.Stride).All(ks => ks.First >= ks.Second):
                return new Stage(pool, Kind.Pool, pool.KernelSize, pool.Stride, pool.Padding, inH, inW, outH, outW, channels);
            case BatchNorm2d bn when !bn.training && bn.running_mean is not null:
                return new Stage(bn, Kind.Elementwise, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 0, 0 }, inH, inW, outH, outW, channels);
            case ReLU:
                return new Stage(module, Kind.Elementwise, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 0, 0 }, inH, inW, outH, outW, channels);
            default:
                return null;
        }
    }

    // The clean activations at each stage's input (the first is the images themselves) and at the last stage's output.
    private static Tensor[] CleanActivations(Module model, Tensor x, Stage[] stages, out Tensor lastOutput)
    {
        var inputs = new Tensor?[stages.Length];
        Tensor? last = null;
        var hooks = new List<IDisposable>();
        try
        {
            for (var k = 0; k < stages.Length; k++)
            {
                var index = k;
                hooks.Add(stages[k].Module.register_forward_hook((_, input, output) =>
                {
                    inputs[index] ??= input.alias();
                    if (index == stages.Length - 1) last ??= output.alias();
                    return null;
                }));
            }
            using (torch.no_grad()) model.call(x).Dispose();
        }
        finally
        {
            foreach (var h in hooks) h.Dispose();
        }
        // Hook outputs join no scope: the caller disposes them.
        lastOutput = last!;
        return inputs.Select(t => t!).ToArray();
    }

    public void Dispose()
    {
        foreach (var t in _paddedRows) t.Dispose();
        _lastRows.Dispose();
        _probe.Dispose();
    }
}
