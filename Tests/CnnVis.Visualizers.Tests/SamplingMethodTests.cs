using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class SamplingMethodTests
{
    [Fact]
    public void SmoothGradWithZeroNoiseIsItsInnerMethod()
    {
        torch.manual_seed(40);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 3, 1, 8, 8 });
        foreach (var inner in new GradientMethod[] { new Saliency(), new GuidedBackprop() })
        {
            using var alone = inner.Explain(model, x, PredictedClass.Instance);
            using var smoothed = new SmoothGrad(inner, samples: 5, noiseLevel: 0).Explain(model, x, PredictedClass.Instance, maxBatch: 4);
            Assertions.Close(alone, smoothed, 1e-6);
        }
    }

    [Fact]
    public void SmoothGradIsTheSameHoweverItsSamplesAreBatched()
    {
        torch.manual_seed(41);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 3, 1, 8, 8 });
        var method = new SmoothGrad(new Saliency(), samples: 6, noiseLevel: 0.2, seed: 3);
        using var together = method.Explain(model, x, new ClassTarget(1));
        using var chunked = method.Explain(model, x, new ClassTarget(1), maxBatch: 5);
        Assertions.Close(together, chunked, 1e-5);
        using var plain = new Saliency().Explain(model, x, new ClassTarget(1));
        Assert.False(plain.allclose(together, 1e-3, 1e-3), "noise changes the map");
        Assert.Equal("smoothgrad(saliency,samples=6,noise=0.2)", method.Name);
    }

    [Fact]
    public void SmoothGradLeavesTheGlobalRandomStateAlone()
    {
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        torch.manual_seed(42);
        using var expected = torch.rand(new long[] { 4 });
        torch.manual_seed(42);
        using (new SmoothGrad(new Saliency(), samples: 4).Explain(model, x, PredictedClass.Instance)) { }
        using var actual = torch.rand(new long[] { 4 });
        Assert.True(expected.equal(actual));
    }

    [Fact]
    public void IntegratedGradientsOfALinearModelAreInputMinusBaselineTimesWeight()
    {
        torch.manual_seed(43);
        using var model = new LinearModel(2, 3, 3, 2);
        using var x = torch.randn(new long[] { 2, 2, 3, 3 });
        using var result = new IntegratedGradients(steps: 4, Baseline.Constant(0.5)).Attribute(model, x, new ClassTarget(1));
        using var w = model.WeightsOf(1);
        using var offset = x - 0.5;
        using var expected = offset * w;
        Assertions.Close(expected, result.Attributions, 1e-5);
        Assert.All(Assertions.Values(result.Delta), d => Assert.True(Math.Abs(d) < 1e-4, $"delta {d}"));
    }

    [Fact]
    public void IntegratedGradientsAddUpToTheScoreDifferenceWithinOnePercentAt64Steps()
    {
        torch.manual_seed(44);
        using var model = new SmoothCnn();
        using var noise = torch.randn(new long[] { 8, 1, 8, 8 });
        using var x = noise * 3.0;
        var method = new IntegratedGradients(steps: 64);
        using var result = method.Attribute(model, x, PredictedClass.Instance, maxBatch: 100);
        var delta = Assertions.Values(result.Delta);
        var difference = Assertions.Values(result.ScoreDifference);
        for (var i = 0; i < delta.Length; i++)
            Assert.True(Math.Abs(delta[i]) <= 0.01 * Math.Abs(difference[i]), $"image {i}: delta {delta[i]} against f(x) - f(x') = {difference[i]}");
        using var sums = result.Attributions.flatten(1).sum(1);
        using var expectedSums = result.ScoreDifference + result.Delta;
        Assertions.Close(expectedSums, sums, 1e-5);
        // The same through a pass, which reports the delta beside the map.
        using var set = new ExplanationPass(new ExplanationMethod[] { method }, maxBatch: 256).Run(model, x, PredictedClass.Instance);
        Assertions.Close(result.Attributions, set[method], 1e-5);
        Assertions.Close(result.Delta, set.Reports[$"{method.Name}.delta"], 1e-4);
    }

    [Fact]
    public void IntegratedGradientsConvergeOnAReluModel()
    {
        // ReLU kinks along the path make the integrand jump, so the delta shrinks like 1/steps, not faster.
        torch.manual_seed(48);
        using var model = new TinyCnn();
        using var noise = torch.randn(new long[] { 8, 1, 8, 8 });
        using var x = noise * 3.0;
        double RelativeDelta(int steps)
        {
            using var result = new IntegratedGradients(steps).Attribute(model, x, PredictedClass.Instance);
            return Assertions.Values(result.Delta).Sum(Math.Abs) / Assertions.Values(result.ScoreDifference).Sum(Math.Abs);
        }
        var coarse = RelativeDelta(8);
        var fine = RelativeDelta(128);
        Assert.True(fine < 0.01, $"at 128 steps the deltas are {fine:P2} of the score differences");
        Assert.True(fine < coarse / 10, $"the delta did not shrink enough: {coarse:P2} at 8 steps, {fine:P2} at 128");
    }

    [Fact]
    public void ScoreCamFollowsItsDefinitionOnATwoChannelToy()
    {
        torch.manual_seed(45);
        using var model = new PointwiseModel(channels: 2, classes: 3);
        using var x = torch.randn(new long[] { 2, 1, 5, 5 });
        var target = new TrueLabel(2, 0);
        using var map = new ScoreCam().Explain(model, x, target, maxBatch: 3);

        var w = model.ChannelWeights();
        model.eval();
        for (var i = 0; i < 2; i++)
        {
            var cls = i == 0 ? 2 : 0;
            using var image = x.select(0, i);
            var pixels = Assertions.Values(image);
            var expected = new double[pixels.Length];
            for (var k = 0; k < 2; k++)
            {
                // A_k = w_k · x here; the mask is A_k scaled to [0, 1], the weight the class probability on x · mask.
                var a = pixels.Select(p => w[k] * p).ToArray();
                double low = a.Min(), high = a.Max();
                var mask = a.Select(v => (float)((v - low) / (high - low))).ToArray();
                using var maskTensor = torch.tensor(mask, new long[] { 1, 1, 5, 5 });
                using var masked = image.unsqueeze(0) * maskTensor;
                double probability;
                using (torch.no_grad())
                using (var logits = model.call(masked))
                using (var p = torch.softmax(logits, 1))
                {
                    probability = Assertions.Values(p)[cls];
                }
                for (var j = 0; j < a.Length; j++) expected[j] += probability * a[j];
            }
            using var expectedTensor = torch.tensor(expected.Select(v => (float)Math.Max(v, 0)).ToArray(), new long[] { 5, 5 });
            using var actual = map.select(0, i);
            Assertions.Close(expectedTensor, actual, 1e-5);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ScoreCamOnAConvBatchNormStackMatchesItsDefinitionThroughThePlainModules(bool winograd)
    {
        // FashionNet's conv/BN/ReLU/max-pool Sequential is what Score-CAM runs under fused inference (oneDNN, batch
        // norm folded, Winograd); the definition here runs the masked images through the modules one by one.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(50);
        using var model = new CnnVis.Training.Models.FashionNet();
        using (torch.no_grad())
        {
            foreach (var bn in model.modules().OfType<BatchNorm2d>())
            {
                bn.running_mean!.uniform_(-0.2, 0.2);
                bn.running_var!.uniform_(0.5, 1.5);
                bn.bias!.uniform_(-0.1, 0.3);
            }
        }
        var x = torch.randn(new long[] { 2, 1, 28, 28 });
        var target = new TrueLabel(3, 8);
        var stackCalls = FusedInference.StackCalls;
        using var map = new ScoreCam(winograd: winograd).Explain(model, x, target, maxBatch: 100);
        Assert.True(FusedInference.StackCalls > stackCalls, "the masked images went through conv_stack");

        model.eval();
        Tensor? activations = null;
        var layer = model.named_modules().First(m => m.name == model.ExplanationLayer).module;
        using (layer.register_forward_hook((_, _, output) => { activations = output.detach(); return null; }))
        using (torch.no_grad())
        {
            model.call(x).Dispose();
        }
        for (var i = 0; i < 2; i++)
        {
            var a = activations!.select(0, i);                                          // [C, 7, 7]
            var upsampled = CamMethod.Upsample(a, new long[] { 28, 28 });               // [C, 28, 28]
            var weights = new float[a.size(0)];
            for (var k = 0; k < weights.Length; k++)
            {
                var channel = upsampled.select(0, k);
                double low = channel.min().item<float>(), high = channel.max().item<float>();
                if (high == low) continue;
                using var noGrad = torch.no_grad();
                var masked = x.narrow(0, i, 1) * ((channel - low) / (high - low));
                weights[k] = torch.softmax(model.call(masked), 1).select(1, i == 0 ? 3 : 8).item<float>();
            }
            var expected = CamMethod.Upsample((torch.tensor(weights).view(-1, 1, 1) * a).sum(0).clamp_min(0).unsqueeze(0), new long[] { 28, 28 });
            var scale = expected.abs().max().item<float>();
            Assert.True(scale > 0, "the map is not all zero");
            Assertions.Close(expected.squeeze(0) / scale, map.select(0, i) / scale, 1e-4);
        }
    }

    [Fact]
    public void ScoreCamSendsNoMaskedImageForAChannelThatIsZeroEverywhere()
    {
        torch.manual_seed(49);
        using var model = new PointwiseRelu();
        // Filter 0 passes the (non-negative) input, filter 1 flips its sign: after the ReLU channel 1 is zero everywhere.
        using (torch.no_grad()) ((Conv2d)model.Features[0]).weight.copy_(torch.tensor(new[] { 0.8f, -1.3f }, new long[] { 2, 1, 1, 1 }));
        using var noise = torch.randn(new long[] { 3, 1, 4, 4 });
        using var x = noise.abs() + 0.1;
        long imagesSeen = 0;
        using var counter = model.Features.register_forward_hook((_, input, _) => { imagesSeen += input.size(0); return null; });
        var target = new ClassTarget(1);
        using var map = new ScoreCam().Explain(model, x, target);
        // One forward of the 3 images for the activations, then one masked image per image (channel 0's), none for channel 1.
        Assert.Equal(6, imagesSeen);
        model.eval();
        for (var i = 0; i < 3; i++)
        {
            using var image = x.select(0, i);
            var a = Assertions.Values(image).Select(p => 0.8 * p).ToArray();
            double low = a.Min(), high = a.Max();
            using var mask = torch.tensor(a.Select(v => (float)((v - low) / (high - low))).ToArray(), new long[] { 1, 1, 4, 4 });
            using var masked = image.unsqueeze(0) * mask;
            double probability;
            using (torch.no_grad())
            using (var logits = model.call(masked))
            using (var p = torch.softmax(logits, 1))
            {
                probability = Assertions.Values(p)[1];
            }
            using var expected = torch.tensor(a.Select(v => (float)Math.Max(probability * v, 0)).ToArray(), new long[] { 4, 4 });
            using var actual = map.select(0, i);
            Assertions.Close(expected, actual, 1e-5);
        }
    }

    [Fact]
    public void EigenCamIsTheFirstPrincipalComponentOfTheActivations()
    {
        torch.manual_seed(46);
        using var model = new PointwiseModel(channels: 3);
        using var x = torch.randn(new long[] { 2, 1, 4, 4 });
        using var map = new EigenCam().Explain(model, x, new ClassTarget(0));
        // Rank one: A_k = w_k · x, so the component is w / |w| and the projection |w| · (x − mean x), signed by Σ w.
        var w = model.ChannelWeights();
        var norm = Math.Sqrt(w.Sum(v => v * v));
        var sign = Math.Sign(w.Sum());
        using var mean = x.mean(new[] { 2L, 3L }, keepdim: true);
        using var centred = x - mean;
        using var projected = centred * (sign * norm);
        using var rectified = projected.clamp_min(0);
        using var expected = rectified.squeeze(1);
        Assertions.Close(expected, map, 1e-4);
        using var other = new EigenCam().Explain(model, x, new ClassTarget(2));
        Assert.True(map.equal(other), "Eigen-CAM does not depend on the class");
    }

    [Fact]
    public void OcclusionFollowsItsDefinitionOnALinearModel()
    {
        Assert.Equal(new long[] { 0, 3, 4 }, Occlusion.Offsets(7, 3, 3));
        Assert.Equal(new long[] { 0, 2, 4 }, Occlusion.Offsets(6, 2, 2));
        torch.manual_seed(47);
        using var model = new LinearModel(2, 6, 7, 3);
        using var x = torch.randn(new long[] { 2, 2, 6, 7 });
        const double fill = 0.5;
        using var map = new Occlusion(windowHeight: 2, windowWidth: 3, strideY: 2, strideX: 3, fill).Explain(model, x, new TrueLabel(1, 2), maxBatch: 7);
        Assert.Equal(new long[] { 2, 6, 7 }, map.shape);
        for (var i = 0; i < 2; i++)
        {
            using var wt = model.WeightsOf(i == 0 ? 1 : 2);
            var w = Assertions.Values(wt);
            using var image = x.select(0, i);
            var v = Assertions.Values(image);
            var sum = new double[6 * 7];
            var count = new int[6 * 7];
            foreach (var top in new[] { 0, 2, 4 })
            {
                foreach (var left in new[] { 0, 3, 4 })
                {
                    // For a linear model the logit drops by Σ over the window of w · (x − fill).
                    double drop = 0;
                    for (var c = 0; c < 2; c++)
                        for (var y = top; y < top + 2; y++)
                            for (var z = left; z < left + 3; z++) drop += w[(c * 6 + y) * 7 + z] * (v[(c * 6 + y) * 7 + z] - fill);
                    for (var y = top; y < top + 2; y++)
                        for (var z = left; z < left + 3; z++) { sum[y * 7 + z] += drop; count[y * 7 + z]++; }
                }
            }
            using var expected = torch.tensor(sum.Select((s, j) => (float)(s / count[j])).ToArray(), new long[] { 6, 7 });
            using var actual = map.select(0, i);
            Assertions.Close(expected, actual, 1e-5);
        }
    }
}
