using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Scores;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class ScoreTests
{
    /// <summary>Two classes, logit 0 = 4·x₀ + 3·x₁ + 2·x₂ + 1·x₃ over a 2×2 image, logit 1 = 0: p(class 0) = σ(logit 0).</summary>
    private static LinearModel WeighedPixels()
    {
        var model = new LinearModel(1, 2, 2, 2);
        using var weights = torch.tensor(new float[] { 4, 3, 2, 1, 0, 0, 0, 0 }, new long[] { 2, 4 });
        using var bias = torch.zeros(new long[] { 2 });
        using (torch.no_grad())
        {
            model.Fc.weight.copy_(weights);
            model.Fc.bias!.copy_(bias);
        }
        return model;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static void Near(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++) Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance, $"point {k}: expected {expected[k]}, got {actual[k]}");
    }

    [Fact]
    public void DeletionAndInsertionFollowTheMapsOrderAsWorkedOutByHand()
    {
        using var model = WeighedPixels();
        using var image = torch.ones(new long[] { 1, 1, 2, 2 });
        using var perfect = torch.tensor(new float[] { 4, 3, 2, 1 }, new long[] { 1, 2, 2 });
        using var reversed = perfect.neg();
        var scores = new DeletionInsertion(steps: 4, insertionCanvas: Baseline.Zero);
        var target = new ClassTarget(0);

        // Removing the largest weights first leaves 10, 6, 3, 1, 0 of the logit; the smallest first 10, 9, 7, 4, 0.
        var best = scores.Deletion(model, image, perfect, target);
        var worst = scores.Deletion(model, image, reversed, target);
        var bestCurve = new[] { 10.0, 6, 3, 1, 0 }.Select(Sigmoid).ToArray();
        var worstCurve = new[] { 10.0, 9, 7, 4, 0 }.Select(Sigmoid).ToArray();
        Near(bestCurve, best.Probabilities[0]);
        Near(worstCurve, worst.Probabilities[0]);
        Near(new[] { (bestCurve.Sum() - (bestCurve[0] + bestCurve[4]) / 2) / 4 }, best.Auc);
        Assert.True(best.Auc[0] < worst.Auc[0]);
        Assert.Equal(new[] { 0, 0.25, 0.5, 0.75, 1 }, best.Fractions);
        Assert.Equal(PerturbationKind.Deletion, best.Kind);

        // Insertion on a black canvas: 0, 4, 7, 9, 10 in the map's order, 0, 1, 3, 6, 10 against it.
        var rising = scores.Insertion(model, image, perfect, target);
        var slow = scores.Insertion(model, image, reversed, target);
        Near(new[] { 0.0, 4, 7, 9, 10 }.Select(Sigmoid).ToArray(), rising.Probabilities[0]);
        Near(new[] { 0.0, 1, 3, 6, 10 }.Select(Sigmoid).ToArray(), slow.Probabilities[0]);
        Assert.True(rising.Auc[0] > slow.Auc[0]);

        // The other class's probability is the complement.
        var other = scores.Deletion(model, image, perfect, new ClassTarget(1));
        Near(bestCurve.Select(p => 1 - p).ToArray(), other.Probabilities[0]);
        Assert.Equal(0.5, DeletionInsertion.AreaUnder(new[] { 0.0, 1.0 }));
    }

    [Fact]
    public void PerturbedCopiesAreBatchedWithoutChangingTheCurves()
    {
        torch.manual_seed(110);
        using var model = new TinyCnn(inChannels: 3);
        using var images = torch.randn(new long[] { 3, 3, 8, 8 });
        using var maps = new GradCam().Explain(model, images, PredictedClass.Instance);
        var whole = new DeletionInsertion(steps: 8).Deletion(model, images, maps, PredictedClass.Instance);
        var pieces = new DeletionInsertion(steps: 8, maxBatch: 5).Deletion(model, images, maps, PredictedClass.Instance);
        for (var n = 0; n < 3; n++) Near(whole.Probabilities[n], pieces.Probabilities[n], 1e-9);
        // Nothing removed yet: the clean image's probability; everything revealed: the same.
        using var logits = ExplainedLogits(model, images);
        using var probabilities = torch.softmax(logits, 1);
        using var clean = probabilities.amax(new[] { 1L });
        var cleanValues = Assertions.Values(clean);
        var insertion = new DeletionInsertion(steps: 8, maxBatch: 7).Insertion(model, images, maps, PredictedClass.Instance);
        for (var n = 0; n < 3; n++)
        {
            Assert.Equal(cleanValues[n], whole.Probabilities[n][0], 5);
            Assert.Equal(cleanValues[n], insertion.Probabilities[n][^1], 5);
        }
        // A map in the input's channels is summed over them.
        using var colour = new GuidedBackprop().Explain(model, images, PredictedClass.Instance);
        Assert.Equal(3, new DeletionInsertion(steps: 2).Deletion(model, images, colour, PredictedClass.Instance).Auc.Length);
        using var wrongSize = torch.zeros(new long[] { 3, 4, 4 });
        var e = Assert.Throws<ArgumentException>(() => new DeletionInsertion().Deletion(model, images, wrongSize, PredictedClass.Instance));
        Assert.Contains("maps", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeletionInsertion(steps: 0));
    }

    private static Tensor ExplainedLogits(Module model, Tensor images)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        var logits = model.call(images);
        model.train();
        return logits;
    }

    [Fact]
    public void ThePointingGameHitsWhenTheLargestValueIsOnTheObject()
    {
        // The object is the top-left 2×2 of a 4×4 image.
        using var mask = torch.tensor(new float[] { 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new long[] { 1, 4, 4 });
        using var masks = torch.cat(new[] { mask, mask, mask, mask });
        var maps = new float[4 * 16];
        maps[0 * 16 + 1] = 5;           // peak at (0, 1): on the object
        maps[1 * 16 + 15] = 5;          // peak at (3, 3): off it
        maps[2 * 16 + 10] = 5;          // peak at (2, 2): one pixel off, diagonally
        // Map 3 is flat: it points nowhere.
        using var mapTensor = torch.tensor(maps, new long[] { 4, 4, 4 });
        Assert.Equal(new[] { true, false, false, false }, PointingGame.Hits(mapTensor, masks));
        Assert.Equal(new[] { true, false, true, false }, PointingGame.Hits(mapTensor, masks, tolerance: 1));
        Assert.Equal(0.5, PointingGame.HitRate(mapTensor, masks, tolerance: 1));
        // A tie between a pixel on the object and one off it is a miss.
        maps[0 * 16 + 15] = 5;
        using var tied = torch.tensor(maps, new long[] { 4, 4, 4 });
        Assert.False(PointingGame.Hits(tied, masks)[0]);
        // Masks as [N, 1, H, W] are taken too; masks of another size are refused naming them.
        using var channelMasks = masks.unsqueeze(1);
        Assert.Equal(new[] { true, false, false, false }, PointingGame.Hits(mapTensor, channelMasks));
        using var small = torch.ones(new long[] { 4, 2, 2 });
        var e = Assert.Throws<ArgumentException>(() => PointingGame.Hits(mapTensor, small));
        Assert.Contains("masks", e.Message);
    }

    [Fact]
    public void EnergyInTheMaskIsThePositiveRelevanceOnTheObject()
    {
        using var mask = torch.tensor(new float[] { 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new long[] { 1, 4, 4 });
        using var masks = torch.cat(new[] { mask, mask, mask });
        // Map 0: 1 on each of the object's 4 pixels, 2 on one outside, −7 (ignored) on another: 4 / 6.
        var maps = new float[3 * 16];
        foreach (var p in new[] { 0, 1, 4, 5 }) maps[p] = 1;
        maps[10] = 2;
        maps[11] = -7;
        // Map 1: all of it on the object. Map 2: nothing positive at all.
        maps[16 + 5] = 3;
        maps[32 + 3] = -1;
        using var mapTensor = torch.tensor(maps, new long[] { 3, 4, 4 });
        var energy = EnergyInMask.Of(mapTensor, masks);
        Assert.Equal(4.0 / 6, energy[0], 12);
        Assert.Equal(1.0, energy[1], 12);
        Assert.Equal(0.0, energy[2], 12);
    }

    [Fact]
    public void SimilarityMeasuresGiveTheirHandWorkedValues()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 2, 2 });
        using var reversed = a.neg();
        using var swapped = torch.tensor(new float[] { 1, 3, 2, 4 }, new long[] { 1, 2, 2 });
        using var flat = torch.ones(new long[] { 1, 2, 2 });
        Assert.Equal(1.0, MapSimilarity.Spearman(a, a)[0], 12);
        Assert.Equal(-1.0, MapSimilarity.Spearman(a, reversed)[0], 12);
        // 1 − 6 Σd² / (n (n² − 1)) = 1 − 6 · 2 / 60.
        Assert.Equal(0.8, MapSimilarity.Spearman(a, swapped)[0], 12);
        Assert.Equal(0.0, MapSimilarity.Spearman(a, flat)[0]);
        // Ties share their mean rank: [1, 1, 2, 2] ranks as [1.5, 1.5, 3.5, 3.5], perfectly ordered with [1, 2, 3, 4] but not equal ranks.
        using var tied = torch.tensor(new float[] { 1, 1, 2, 2 }, new long[] { 1, 2, 2 });
        Assert.Equal(2 / Math.Sqrt(5), MapSimilarity.Spearman(a, tied)[0], 12);

        // Top half of [4, 3, 2, 1] is pixels {0, 1}; of [4, 1, 3, 2] it is {0, 2}: IoU 1 / 3.
        using var first = torch.tensor(new float[] { 4, 3, 2, 1 }, new long[] { 1, 2, 2 });
        using var second = torch.tensor(new float[] { 4, 1, 3, 2 }, new long[] { 1, 2, 2 });
        Assert.Equal(1.0 / 3, MapSimilarity.TopKIntersectionOverUnion(first, second, 0.5)[0], 12);
        Assert.Equal(1.0, MapSimilarity.TopKIntersectionOverUnion(first, first, 0.5)[0]);
        using var negated = second.neg();
        Assert.Equal(0.0, MapSimilarity.TopKIntersectionOverUnion(first, negated, 0.25)[0]);

        torch.manual_seed(111);
        using var x = torch.rand(new long[] { 2, 16, 16 });
        using var y = torch.rand(new long[] { 2, 16, 16 });
        var same = MapSimilarity.Ssim(x, x);
        Assert.All(same, s => Assert.Equal(1.0, s, 6));
        var different = MapSimilarity.Ssim(x, y);
        Assert.All(different, s => Assert.True(s < 0.5, $"SSIM of unrelated noise is {s}"));
        Assert.Equal(different, MapSimilarity.Ssim(y, x));
        // Scaled to [0, 1] first: a map and its double are the same picture.
        using var doubled = x * 2;
        Assert.All(MapSimilarity.Ssim(x, doubled), s => Assert.Equal(1.0, s, 5));
        // Maps with channels, and maps smaller than the 11-pixel window.
        using var colour = torch.rand(new long[] { 2, 3, 6, 6 });
        Assert.All(MapSimilarity.Ssim(colour, colour), s => Assert.Equal(1.0, s, 6));
        using var other = torch.rand(new long[] { 2, 3, 5 });
        Assert.Throws<ArgumentException>(() => MapSimilarity.Ssim(x, other));
        Assert.Throws<ArgumentOutOfRangeException>(() => MapSimilarity.TopKIntersectionOverUnion(x, y, 0));
    }

    [Fact]
    public void SimilarityOfManyTiedMapsFollowsTheDefinitions()
    {
        // Maps like the monitor's: many exact ties (a ReLU'd map's zeros, coarse levels), several images at once.
        torch.manual_seed(7);
        using var rawA = torch.rand(new long[] { 3, 2, 9, 11 });
        using var rawB = torch.rand(new long[] { 3, 2, 9, 11 });
        using var a = (rawA * 6).floor().clamp_min(2);
        using var b = (rawB * 6).floor().clamp_min(2);
        var x = a.data<float>();
        var y = b.data<float>();
        var length = 2 * 9 * 11;
        var rho = MapSimilarity.Spearman(a, b);
        var iou = MapSimilarity.TopKIntersectionOverUnion(a, b, 0.1);
        var k = (int)Math.Ceiling(0.1 * length);
        for (var n = 0; n < 3; n++)
        {
            var p = x.Skip(n * length).Take(length).Select(v => (double)v).ToArray();
            var q = y.Skip(n * length).Take(length).Select(v => (double)v).ToArray();
            // A value's rank: the values below it, plus the mean place among its equals.
            double[] Rank(double[] v) => v.Select(e => v.Count(o => o < e) + (v.Count(o => o == e) + 1) / 2.0).ToArray();
            var (rp, rq) = (Rank(p), Rank(q));
            var (mp, mq) = (rp.Average(), rq.Average());
            var expected = rp.Zip(rq, (u, w) => (u - mp) * (w - mq)).Sum() / Math.Sqrt(rp.Sum(u => (u - mp) * (u - mp)) * rq.Sum(w => (w - mq) * (w - mq)));
            Assert.Equal(expected, rho[n], 12);
            var topP = Enumerable.Range(0, length).OrderByDescending(i => p[i]).ThenBy(i => i).Take(k).ToHashSet();
            var topQ = Enumerable.Range(0, length).OrderByDescending(i => q[i]).ThenBy(i => i).Take(k).ToHashSet();
            var shared = topP.Intersect(topQ).Count();
            Assert.Equal(shared / (double)(2 * k - shared), iou[n], 12);
        }
    }

    [Fact]
    public void ReinitialisingReplacesWeightsOnlyFromItsOwnSeed()
    {
        torch.manual_seed(112);
        using var model = new TinyCnn();
        var before = model.named_parameters().ToDictionary(p => p.name, p => Assertions.Values(p.parameter));
        torch.manual_seed(9);
        using var expectedDraw = torch.rand(new long[] { 3 });
        torch.manual_seed(9);
        var replaced = ModelRandomization.Reinitialize(model, seed: 1);
        using var draw = torch.rand(new long[] { 3 });
        Assert.True(draw.equal(expectedDraw), "re-initialising moved the global random state");
        Assert.Equal(new[] { "features.0.weight", "features.3.weight", "classifier.weight" }, replaced);
        foreach (var (name, p) in model.named_parameters())
        {
            var now = Assertions.Values(p);
            if (replaced.Contains(name))
            {
                Assert.NotEqual(before[name], now);
                var bound = 1 / Math.Sqrt(p.numel() / p.size(0));
                Assert.All(now, v => Assert.InRange(Math.Abs(v), 0, bound));
            }
            else
            {
                Assert.Equal(before[name], now);
            }
        }
        using var twin = new TinyCnn();
        ModelRandomization.Reinitialize(twin, seed: 1);
        Assert.Equal(Assertions.Values(model.Classifier.weight), Assertions.Values(twin.Classifier.weight));
        // Cascading: only the top layer.
        var top = ModelRandomization.Reinitialize(twin, seed: 2, topLayers: 1);
        Assert.Equal(new[] { "classifier.weight" }, top);
        Assert.Equal(Assertions.Values(model.Features[0].named_parameters().First().parameter), Assertions.Values(twin.Features[0].named_parameters().First().parameter));
    }

    [Fact]
    public void TheRandomisationCheckTellsAModelDependentMethodFromAnImageEcho()
    {
        torch.manual_seed(113);
        using var model = new SmallCnn(classes: 4);
        using var copy = new SmallCnn(classes: 4);
        copy.load_state_dict(model.state_dict());
        using var images = torch.randn(new long[] { 4, 1, 16, 16 });

        // Same weights: the very same maps.
        var unchanged = ModelRandomization.Check(new Saliency(), model, copy, images, PredictedClass.Instance);
        Assert.All(unchanged.Spearman, s => Assert.Equal(1.0, s, 9));
        Assert.All(unchanged.Ssim, s => Assert.Equal(1.0, s, 6));
        Assert.False(unchanged.Passed());

        ModelRandomization.Reinitialize(copy, seed: 5);
        var saliency = ModelRandomization.Check(new Saliency(), model, copy, images, PredictedClass.Instance);
        Assert.True(saliency.Passed(), saliency.ToString());
        Assert.Equal("saliency", saliency.Method);
        Assert.Equal(4, saliency.Ssim.Length);

        // A map of the image alone does not change with the weights: the check catches it.
        var echo = ModelRandomization.Check(new InputMagnitude(), model, copy, images, PredictedClass.Instance);
        Assert.All(echo.Spearman, s => Assert.Equal(1.0, s, 9));
        Assert.False(echo.Passed(), echo.ToString());
        Assert.Throws<ArgumentException>(() => ModelRandomization.Check(new Saliency(), model, model, images, PredictedClass.Instance));
    }

    [Fact]
    public void ScoresLeaveNoTensorBehindAndTheModelAsItWas()
    {
        torch.manual_seed(114);
        using var model = new TinyCnn();
        model.train();
        using var copy = new TinyCnn();
        using var images = torch.randn(new long[] { 2, 1, 8, 8 });
        using var maps = new GradCam().Explain(model, images, PredictedClass.Instance);
        using var masks = torch.rand(new long[] { 2, 8, 8 });
        void Everything()
        {
            new DeletionInsertion(steps: 4).Deletion(model, images, maps, PredictedClass.Instance);
            new DeletionInsertion(steps: 4).Insertion(model, images, maps, PredictedClass.Instance);
            PointingGame.Hits(maps, masks, tolerance: 1);
            EnergyInMask.Of(maps, masks);
            MapSimilarity.Spearman(maps, masks);
            MapSimilarity.Ssim(maps, masks);
            MapSimilarity.TopKIntersectionOverUnion(maps, masks);
            ModelRandomization.Check(new GradCam(), model, copy, images, PredictedClass.Instance);
            Assert.ThrowsAny<ArgumentException>(() => new DeletionInsertion().Deletion(model, images, maps, new ClassTarget(5)));
        }
        Everything();
        var baseline = Tensor.LiveCount;
        Everything();
        Assert.Equal(baseline, Tensor.LiveCount);
        Assert.All(model.modules(), m => Assert.True(m.training));
        foreach (var (name, p) in model.named_parameters())
        {
            using var g = p.grad;
            Assert.True(g is null, $"{name} has a gradient");
        }
    }
}
