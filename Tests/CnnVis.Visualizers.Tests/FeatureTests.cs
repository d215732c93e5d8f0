using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class FeatureTests
{
    private static int HookCount(Module model) => model.modules().Sum(m => m.ForwardHookCount);

    private static readonly ActivationMaximizationSettings s_quick = new() { Steps = 30, StepSize = 0.1, Seed = 3 };

    [Fact]
    public void FirstLayerFiltersAreTheFirstConvolutionsWeights()
    {
        torch.manual_seed(100);
        using var model = new TinyCnn(inChannels: 3);
        Assert.Equal("features.0", FirstLayerFilters.PathOf(model));
        using var filters = FirstLayerFilters.Of(model);
        Assert.Equal(new long[] { 4, 3, 3, 3 }, filters.shape);
        using var weight = ((Conv2d)model.Features[0]).weight.detach();
        Assert.True(filters.equal(weight));
        Assert.False(filters.requires_grad);
        using var tiles = FirstLayerFilters.Render(model, tileSize: 9, columns: 4);
        // Four 3×3 filters ×3 in a row: 2 + 4·(9 + 2) wide, 2 + 11 high.
        Assert.Equal(new long[] { 13, 46, 3 }, tiles.shape);
        using var linear = new LinearModel(1, 2, 2, 3);
        var e = Assert.Throws<ArgumentException>(() => FirstLayerFilters.PathOf(linear));
        Assert.Contains("Conv2d", e.Message);
    }

    [Fact]
    public void FirstLayerFiltersArePutInTheImagesChannelOrder()
    {
        torch.manual_seed(101);
        using var model = new TinyCnn(inChannels: 3);
        using var weight = ((Conv2d)model.Features[0]).weight.detach();
        // A model that feeds its convolution BGR: input channel 0 reads the image's blue (2), channel 2 its red (0).
        using var rgb = FirstLayerFilters.Of(model, [2, 1, 0]);
        for (var c = 0; c < 3; c++)
        {
            using var shown = rgb.select(1, c);
            using var stored = weight.select(1, 2 - c);
            Assert.True(shown.equal(stored), $"image channel {c}");
        }
        // A rotation, to tell the inverse from the order itself: input channel c reads image channel (c + 1) % 3.
        using var rotated = FirstLayerFilters.Of(model, [1, 2, 0]);
        using (var red = rotated.select(1, 0))
        using (var fromTwo = weight.select(1, 2))
            Assert.True(red.equal(fromTwo));
        using var same = FirstLayerFilters.Of(model, [0, 1, 2]);
        Assert.True(same.equal(weight));
        var e = Assert.Throws<ArgumentException>(() => FirstLayerFilters.Of(model, [0, 0, 1]));
        Assert.Contains("are not an order of the first convolution's 3 input channels", e.Message);
        e = Assert.Throws<ArgumentException>(() => FirstLayerFilters.Of(model, [1, 0]));
        Assert.Contains("[1, 0]", e.Message);
    }

    [Fact]
    public void FeatureMapsAreTheLayersOutputInEvalMode()
    {
        torch.manual_seed(101);
        using var model = new TinyCnn();
        model.train();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using var maps = FeatureMaps.Capture(model, x, "features.2");
        Assert.Equal(new long[] { 2, 4, 8, 8 }, maps.shape);
        Assert.True(model.training);
        Assert.All(model.modules(), m => Assert.True(m.training));
        Assert.Equal(0, HookCount(model));
        // By hand: conv, batch norm with its running statistics (eval), ReLU.
        model.eval();
        using (torch.no_grad())
        using (var conv = model.Features[0].call(x))
        using (var normed = model.Features[1].call(conv))
        using (var expected = normed.relu())
        {
            Assertions.Close(expected, maps);
        }
        model.train();
        using var tiles = FeatureMaps.Render(maps, image: 1, tileSize: 16, columns: 2);
        Assert.Equal(new long[] { 2 + 2 * 18, 2 + 2 * 18, 3 }, tiles.shape);
        using var few = FeatureMaps.Render(maps, maxChannels: 1, tileSize: 8);
        Assert.Equal(new long[] { 12, 12, 3 }, few.shape);

        var missing = Assert.Throws<ArgumentException>(() => FeatureMaps.Capture(model, x, "features.9"));
        Assert.Contains("features.9", missing.Message);
        var flat = Assert.Throws<ArgumentException>(() => FeatureMaps.Capture(model, x, "flatten"));
        Assert.Contains("[2, 6]", flat.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureMaps.Render(maps, image: 2));
        Assert.Equal(0, HookCount(model));
        Assert.True(model.training);
    }

    [Fact]
    public void ActivationMaximizationRaisesEachClassLogitFromNoise()
    {
        torch.manual_seed(102);
        // A linear model: class k's logit w_k · x is highest at the corner of the data range that w_k's signs point to.
        using var model = new LinearModel(1, 16, 16, 4);
        var range = InputRange.FromNormalization(new[] { 0.3f }, new[] { 0.25f });
        // Without jitter and blur, which would mix neighbouring pixels' gradients, every pixel heads for its own bound.
        var settings = s_quick with { StepSize = 0.2, Jitter = 0, BlurSigma = 0 };
        using var result = new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(0, 1, 2, 3), new long[] { 1, 16, 16 }, range);
        Assert.Equal(new long[] { 4, 1, 16, 16 }, result.Images.shape);
        Assert.Equal(settings.Steps, result.History.Count);
        for (var k = 0; k < 4; k++)
        {
            Assert.True(result.FinalScores[k] > result.InitialScores[k] + 1, $"class {k}: logit {result.InitialScores[k]} → {result.FinalScores[k]}");
            using var weights = model.WeightsOf(k);
            using var image = result.Images.select(0, k);
            var agree = Assertions.Values(weights).Zip(Assertions.Values(image), (w, x) => Math.Sign(w) == Math.Sign(x - 0.8)).Count(a => a);
            Assert.True(agree > 0.8 * 256, $"class {k}: only {agree} of 256 pixels lean the way the weights do");
        }
        // Class-specific: each image is predicted as the class it was made for.
        using var logits = model.call(result.Images);
        using var predicted = logits.argmax(1);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, predicted.data<long>());
        // Clipped to what the normalised data can hold: (0 − 0.3) / 0.25 to (1 − 0.3) / 0.25.
        var values = Assertions.Values(result.Images);
        Assert.InRange(values.Min(), -1.2 - 1e-6, 2.8);
        Assert.InRange(values.Max(), -1.2, 2.8 + 1e-6);
        Assert.Equal("class 2", result.Goal.Describe(2));
        using var tiles = result.Render(tileSize: 32, columns: 4);
        Assert.Equal(new long[] { 2 + 34, 2 + 4 * 34, 3 }, tiles.shape);

        // Jitter and blur are what keep generated images smooth: with them, neighbouring pixels differ less.
        using var regularised = new ActivationMaximization(settings with { Jitter = 2, BlurSigma = 0.7 }).Run(model, ActivationGoal.Classes(0, 1, 2, 3), new long[] { 1, 16, 16 }, range);
        Assert.True(Roughness(regularised.Images) < 0.7 * Roughness(result.Images), $"roughness {Roughness(regularised.Images)} with regularisers, {Roughness(result.Images)} without");
        Assert.True(regularised.FinalScores.Sum() > regularised.InitialScores.Sum());
    }

    /// <summary>Mean absolute difference between horizontally neighbouring pixels.</summary>
    private static double Roughness(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var left = images.narrow(3, 0, images.size(3) - 1);
        var right = images.narrow(3, 1, images.size(3) - 1);
        return (right - left).abs().mean().item<double>();
    }

    [Fact]
    public void ActivationMaximizationRaisesAChannelOfALayer()
    {
        torch.manual_seed(103);
        using var model = new TinyCnn();
        using var result = new ActivationMaximization(s_quick).Run(model, ActivationGoal.Channels("features.3", 0, 5), new long[] { 1, 8, 8 });
        Assert.Equal(2, result.Images.size(0));
        for (var i = 0; i < 2; i++)
            Assert.True(result.FinalScores[i] > result.InitialScores[i], $"channel image {i}: {result.InitialScores[i]} → {result.FinalScores[i]}");
        // The climb is mostly upward: the last steps score above the first ones.
        Assert.True(result.History[^1].Sum() > result.History[0].Sum());
        Assert.Equal("features.3 channel 5", result.Goal.Describe(1));
    }

    [Fact]
    public void ActivationMaximizationIsRepeatableAndLeavesTheModelAndRandomStateAlone()
    {
        torch.manual_seed(104);
        using var model = new TinyCnn();
        model.train();
        var settings = s_quick with { Steps = 5 };
        torch.manual_seed(7);
        using (var expectedDraw = torch.rand(new long[] { 4 }))
        {
            torch.manual_seed(7);
            using var first = new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(1), new long[] { 1, 8, 8 });
            using var draw = torch.rand(new long[] { 4 });
            Assert.True(draw.equal(expectedDraw), "activation maximization moved the global random state");
            using var second = new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(1), new long[] { 1, 8, 8 });
            Assert.True(first.Images.equal(second.Images));
            using var other = new ActivationMaximization(settings with { Seed = 4 }).Run(model, ActivationGoal.Classes(1), new long[] { 1, 8, 8 });
            Assert.False(first.Images.equal(other.Images));
        }
        Assert.All(model.modules(), m => Assert.True(m.training));
        foreach (var (name, p) in model.named_parameters())
        {
            using var g = p.grad;
            Assert.True(g is null, $"{name} has a gradient after activation maximization");
        }
        Assert.Equal(0, HookCount(model));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(3), new long[] { 1, 8, 8 }));
        Assert.Contains("class 3", e.Message);
        var channel = Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationMaximization(settings).Run(model, ActivationGoal.Channels("features.3", 6), new long[] { 1, 8, 8 }));
        Assert.Contains("6 channels", channel.Message);
        Assert.Equal(0, HookCount(model));
        Assert.All(model.modules(), m => Assert.True(m.training));
        Assert.Throws<ArgumentException>(() => new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(0), new long[] { 8, 8 }));
        Assert.Throws<ArgumentException>(() => new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(0), new long[] { 1, 8, 8 }, InputRange.Unit(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationMaximization(settings with { Steps = 0 }).Run(model, ActivationGoal.Classes(0), new long[] { 1, 8, 8 }));
        Assert.Throws<ArgumentException>(() => ActivationGoal.Classes());
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationGoal.Channels("features.3", -1));
    }

    [Fact]
    public void GuidedLayerActivationPassesOnlyWhatTheFilterSawAsPositive()
    {
        torch.manual_seed(105);
        using var model = new PointwiseRelu();
        using var x = torch.randn(new long[] { 2, 1, 4, 4 });
        var w = model.FilterWeights();
        for (var f = 0; f < 2; f++)
        {
            // Σ|ReLU(w_f x)| has gradient w_f where w_f x > 0; the guided ReLU passes the (positive) gradient only there.
            using var map = new GuidedLayerActivation("features.1", f).Explain(model, x);
            Assert.Equal(new long[] { 2, 1, 4, 4 }, map.shape);
            var xs = Assertions.Values(x);
            var expected = xs.Select(v => w[f] * v > 0 ? w[f] : 0.0).ToArray();
            using var want = torch.tensor(expected, new long[] { 2, 1, 4, 4 });
            Assertions.Close(want, map);
        }
        using var grey = new GuidedLayerActivation("features.1", 0, Gradients.GradientView.Grey).Explain(model, x);
        Assert.Equal(new long[] { 2, 4, 4 }, grey.shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedLayerActivation("features.1", 2).Explain(model, x));
        Assert.Contains("2 filters", e.Message);
        Assert.Equal(0, HookCount(model));
        using var noRelu = new PointwiseModel();
        Assert.Throws<ArgumentException>(() => new GuidedLayerActivation("features", 0).Explain(noRelu, x));
        Assert.Equal(0, HookCount(noRelu));
        foreach (var (name, p) in model.named_parameters())
        {
            using var g = p.grad;
            Assert.True(g is null, $"{name} has a gradient");
        }
    }

    [Fact]
    public void FeatureVisualizationsLeaveNoTensorBehind()
    {
        torch.manual_seed(106);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var settings = s_quick with { Steps = 4 };
        void Everything()
        {
            using (FeatureMaps.Capture(model, x, "features.4")) { }
            using (FirstLayerFilters.Render(model)) { }
            using (new GuidedLayerActivation("features.4", 1).Explain(model, x)) { }
            using (new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(0, 2), new long[] { 1, 8, 8 }, InputRange.Unit(1))) { }
            using (new ActivationMaximization(settings).Run(model, ActivationGoal.Channels("features.4", 1), new long[] { 1, 8, 8 })) { }
            Assert.ThrowsAny<ArgumentException>(() => FeatureMaps.Capture(model, x, "flatten"));
            Assert.ThrowsAny<ArgumentException>(() => new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(5), new long[] { 1, 8, 8 }));
            Assert.ThrowsAny<ArgumentException>(() => new GuidedLayerActivation("features.4", 9).Explain(model, x));
        }
        Everything(); // warm-up: operators looked up once
        var baseline = Tensor.LiveCount;
        Everything();
        Assert.Equal(baseline, Tensor.LiveCount);
    }
}
