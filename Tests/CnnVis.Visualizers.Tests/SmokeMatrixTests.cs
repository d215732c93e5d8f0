using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

/// <summary>Every method on every test model: the right shape, finite, and not one flat value.</summary>
public class SmokeMatrixTests
{
    private static readonly Dictionary<string, Func<ExplanationMethod>> s_methods = new()
    {
        ["saliency"] = () => new Saliency(),
        ["gradient-x-input"] = () => new GradientTimesInput(),
        ["guided-backprop"] = () => new GuidedBackprop(),
        ["guided-backprop-grey"] = () => new GuidedBackprop(GradientView.Grey),
        ["deconvnet"] = () => new Deconvnet(),
        ["smoothgrad"] = () => new SmoothGrad(new Saliency(), samples: 4),
        ["integrated-gradients"] = () => new IntegratedGradients(steps: 8),
        ["cam"] = () => new Cam(),
        ["gradcam"] = () => new GradCam(),
        ["gradcam++"] = () => new GradCamPlusPlus(),
        ["layercam"] = () => new LayerCam(),
        ["scorecam"] = () => new ScoreCam(),
        ["eigencam"] = () => new EigenCam(),
        ["guided-gradcam"] = () => new GuidedGradCam(),
        ["occlusion"] = () => new Occlusion(window: 4, stride: 4),
    };

    private static readonly Dictionary<string, Func<(Module model, long channels, long size)>> s_models = new()
    {
        ["tiny-grey"] = () => (new TinyCnn(), 1, 8),
        ["tiny-colour"] = () => (new TinyCnn(inChannels: 3, classes: 5), 3, 12),
        ["small"] = () => (new SmallCnn(), 1, 16),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in s_models.Keys)
            foreach (var method in s_methods.Keys) data.Add(method, model);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesAFiniteVaryingMapOfTheRightShape(string methodName, string modelName)
    {
        torch.manual_seed(70);
        var (model, channels, size) = s_models[modelName]();
        using var owned = model;
        using var x = torch.randn(new long[] { 3, channels, size, size });
        var method = s_methods[methodName]();
        using var map = method.Explain(model, x, PredictedClass.Instance);
        var shape = map.shape;
        Assert.Equal(3, shape[0]);
        Assert.Equal(new[] { size, size }, shape[^2..]);
        Assert.True(shape.Length == 3 || (shape.Length == 4 && shape[1] == channels), $"shape [{string.Join(", ", shape)}]");
        var values = Assertions.Values(map);
        Assert.All(values, v => Assert.True(double.IsFinite(v)));
        Assert.True(values.Max() > values.Min(), $"{methodName} on {modelName} gave one flat value {values[0]}");
    }
}
