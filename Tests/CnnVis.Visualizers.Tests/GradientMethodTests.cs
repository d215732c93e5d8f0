using CnnVis.Torch;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class GradientMethodTests
{
    [Fact]
    public void SaliencyOfALinearModelIsTheLargestAbsoluteWeightOverChannels()
    {
        torch.manual_seed(1);
        using var model = new LinearModel(3, 4, 5, 4);
        using var x = torch.randn(new long[] { 2, 3, 4, 5 });
        using var map = new Saliency().Explain(model, x, new ClassTarget(2));
        using var w = model.WeightsOf(2);
        using var absW = w.abs();
        using var expected1 = absW.amax(new[] { 0L });
        using var expected = expected1.unsqueeze(0).expand(2, 4, 5);
        Assertions.Close(expected, map);
    }

    [Fact]
    public void GradientTimesInputOfALinearModelIsWeightTimesInput()
    {
        torch.manual_seed(2);
        using var model = new LinearModel(3, 4, 5, 4);
        using var x = torch.randn(new long[] { 2, 3, 4, 5 });
        using var map = new GradientTimesInput().Explain(model, x, new TrueLabel(1, 3));
        for (var i = 0; i < 2; i++)
        {
            using var w = model.WeightsOf(i == 0 ? 1 : 3);
            using var xi = x.select(0, i);
            using var expected = w * xi;
            using var actual = map.select(0, i);
            Assertions.Close(expected, actual);
        }
    }

    [Fact]
    public void ViewsAreOfTheSameGradient()
    {
        torch.manual_seed(3);
        using var model = new LinearModel(2, 3, 3, 2);
        using var x = torch.randn(new long[] { 1, 2, 3, 3 });
        var target = new ClassTarget(0);
        using var colour = new Saliency(GradientView.Colour).Explain(model, x, target);
        using var w = model.WeightsOf(0);
        using var w4 = w.unsqueeze(0);
        Assertions.Close(w4, colour);
        using var grey = new Saliency(GradientView.Grey).Explain(model, x, target);
        using var absW = w4.abs();
        using var expectedGrey = absW.sum(1);
        Assertions.Close(expectedGrey, grey);
        using var positive = new Saliency(GradientView.Positive).Explain(model, x, target);
        using var negative = new Saliency(GradientView.Negative).Explain(model, x, target);
        using var difference = positive - negative;
        Assertions.Close(w4, difference);
        Assert.Equal("saliency", new Saliency().Name);
        Assert.Equal("saliency-colour", new Saliency(GradientView.Colour).Name);
        Assert.Equal("guided-backprop-grey", new GuidedBackprop(GradientView.Grey).Name);
    }

    [Fact]
    public void GuidedBackpropPassesNoNegativeGradient()
    {
        torch.manual_seed(4);
        using var model = new ReluThenLinear(2, 4, 4, 3);
        using var x = torch.randn(new long[] { 3, 2, 4, 4 });
        using var vanilla = new Saliency(GradientView.Colour).Explain(model, x, new ClassTarget(1));
        using var guided = new GuidedBackprop().Explain(model, x, new ClassTarget(1));
        using var w = model.Fc.weight.detach();
        using var row = w.select(0, 1);
        using var shaped = row.reshape(1, 2, 4, 4);
        using var open = x.gt(0);
        using var zeros = torch.zeros_like(x);
        using var trueGradient = torch.where(open, shaped.expand(3, 2, 4, 4), zeros);
        Assertions.Close(trueGradient, vanilla);
        Assert.True(Assertions.Values(vanilla).Any(v => v < 0), "the true gradient has negative parts, so the test means something");
        // Guided: only where the input was positive, and only the positive part of the gradient.
        using var positiveW = shaped.clamp_min(0);
        using var expected = torch.where(open, positiveW.expand(3, 2, 4, 4), zeros);
        Assertions.Close(expected, guided);
        Assert.All(Assertions.Values(guided), v => Assert.True(v >= 0));
    }

    [Fact]
    public void DeconvnetPassesThePositiveGradientWhateverTheInput()
    {
        torch.manual_seed(5);
        using var model = new ReluThenLinear(1, 3, 3, 2);
        using var x = torch.randn(new long[] { 2, 1, 3, 3 });
        using var map = new Deconvnet().Explain(model, x, new ClassTarget(0));
        using var w = model.Fc.weight.detach();
        using var row = w.select(0, 0);
        using var shaped = row.reshape(1, 1, 3, 3);
        using var positive = shaped.clamp_min(0);
        using var expected = positive.expand(2, 1, 3, 3);
        Assertions.Close(expected, map);
    }

    [Fact]
    public void GuidedRulesNeedReluModules()
    {
        using var model = new LinearModel(1, 2, 2, 2);
        using var x = torch.randn(new long[] { 1, 1, 2, 2 });
        var e = Assert.Throws<ArgumentException>(() => new GuidedBackprop().Explain(model, x, new ClassTarget(0)));
        Assert.Contains("no ReLU modules", e.Message);
    }
}
