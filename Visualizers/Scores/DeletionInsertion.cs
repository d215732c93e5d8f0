using CnnVis.Torch;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// Deletion and insertion (Petsiuk et al., 2018, RISE): pixels are removed from the image, or revealed on a blank
/// canvas, in the order of the map's relevance (largest first), in <see cref="Steps"/> equal steps, and the target
/// class's softmax probability is measured after each. The N × (K + 1) perturbed copies go through the model as
/// many at a time as <see cref="MaxBatch"/> allows. The model runs in eval mode without a graph and is left as it
/// was. Maps in the input's channels are summed over channels; equal relevances are taken in pixel order.
/// </summary>
public sealed class DeletionInsertion
{
    /// <param name="steps">K: the curve has K + 1 points, at 0, 1/K, ..., 1 of the pixels.</param>
    /// <param name="deletionFill">What removed pixels become: zeros (the data mean for standardised images) by default.</param>
    /// <param name="insertionCanvas">What revealed pixels are drawn on: the image blurred (σ = 5 px) by default, as Petsiuk et al.</param>
    /// <param name="maxBatch">The most perturbed images sent through the model at once.</param>
    public DeletionInsertion(int steps = 32, Baseline? deletionFill = null, Baseline? insertionCanvas = null, int maxBatch = ExplanationPass.DefaultMaxBatch)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"the curves need at least one step, got {steps}");
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), $"maxBatch must be at least 1, got {maxBatch}");
        Steps = steps;
        DeletionFill = deletionFill ?? Baseline.Zero;
        InsertionCanvas = insertionCanvas ?? Baseline.Blurred();
        MaxBatch = maxBatch;
    }

    public int Steps { get; }
    public Baseline DeletionFill { get; }
    public Baseline InsertionCanvas { get; }
    public int MaxBatch { get; }

    /// <summary>The deletion curve of each image in <paramref name="images"/> [N, C, H, W] under its map in <paramref name="maps"/>.</summary>
    public PerturbationCurves Deletion(Module model, Tensor images, Tensor maps, ExplanationTarget target) =>
        Curves(PerturbationKind.Deletion, model, images, maps, target);

    /// <summary>The insertion curve of each image in <paramref name="images"/> [N, C, H, W] under its map in <paramref name="maps"/>.</summary>
    public PerturbationCurves Insertion(Module model, Tensor images, Tensor maps, ExplanationTarget target) =>
        Curves(PerturbationKind.Insertion, model, images, maps, target);

    /// <summary>Area under a curve of K + 1 equally spaced points over [0, 1], by the trapezoid rule.</summary>
    public static double AreaUnder(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count < 2) throw new ArgumentException($"a curve needs at least two points, got {curve.Count}", nameof(curve));
        var k = curve.Count - 1;
        return (curve.Sum() - (curve[0] + curve[k]) / 2) / k;
    }

    private PerturbationCurves Curves(PerturbationKind kind, Module model, Tensor images, Tensor maps, ExplanationTarget target)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ModelProbe.CheckImages(images);
        ArgumentNullException.ThrowIfNull(maps);
        var shape = images.shape;
        PixelRelevance.CheckFits(maps, shape);
        long count = shape[0], height = shape[2], width = shape[3], pixels = height * width;

        using var probe = new ModelProbe(model);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = images.detach();
        var logits = probe.Output(x, null);
        var classes = target.ClassesFor(logits);
        // rank[n, p]: where pixel p comes in image n's order, most relevant first.
        var order = PixelRelevance.Of(maps).reshape(count, pixels).argsort(1, descending: true);
        var rank = order.argsort(1).reshape(count, 1, height, width);
        var (start, end) = kind == PerturbationKind.Deletion ? (x, DeletionFill.For(x)) : (InsertionCanvas.For(x), x);
        if (!start.shape.SequenceEqual(shape) || !end.shape.SequenceEqual(shape))
            throw new ArgumentException($"the {kind.ToString().ToLowerInvariant()} baseline gives a shape other than the images' [{string.Join(", ", shape)}]");

        var points = Steps + 1;
        var probabilities = new double[count * points];
        new SampleChunks(count, points, MaxBatch).ForEach(chunk =>
        {
            var owner = chunk.ImageIndex();
            var step = chunk.SampleIndex();
            // Pixels changed at step k: the first round(k · P / K) of the order.
            var changed = (step.to(ScalarType.Float64) * pixels / Steps).round().to(ScalarType.Int64).view(-1, 1, 1, 1);
            var mask = rank.index_select(0, owner).lt(changed).to(x.dtype);
            var perturbed = (start.index_select(0, owner) * (1.0 - mask)) + (end.index_select(0, owner) * mask);
            var output = model.call(perturbed);
            var probability = torch.softmax(output.to(ScalarType.Float64), 1).gather(1, classes.index_select(0, owner).unsqueeze(1));
            probability.data<double>().CopyTo(probabilities, chunk.Start);
        });
        var curves = Enumerable.Range(0, (int)count).Select(n => probabilities.AsSpan(n * points, points).ToArray()).ToArray();
        return new PerturbationCurves(kind, curves, curves.Select(c => AreaUnder(c)).ToArray());
    }
}
