using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class ExplanationPassTests
{
    private static ExplanationMethod[] FusedSet()
    {
        var gradCam = new GradCam();
        var guided = new GuidedBackprop();
        return new ExplanationMethod[]
        {
            new Saliency(), new GradientTimesInput(), new Cam(), gradCam, new GradCamPlusPlus(), new LayerCam(), guided,
            new GuidedGradCam(gradCam, guided),
        };
    }

    [Fact]
    public void OneStandardAndOneGuidedForwardGiveTheWholeFusedSet()
    {
        torch.manual_seed(20);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 3, 1, 8, 8 });
        var forwards = 0;
        using var counter = model.register_forward_hook((_, _, _) => { forwards++; return null; });
        var pass = new ExplanationPass(FusedSet());
        Assert.Equal(2, pass.ForwardCount(model));
        using var set = pass.Run(model, x, PredictedClass.Instance);
        Assert.Equal(2, forwards);
        Assert.Equal(new[] { "saliency", "gradient-x-input", "cam", "gradcam", "gradcam++", "layercam", "guided-backprop", "guided-gradcam" }, set.Names);
        Assert.Equal(new long[] { 3, 3 }, set.Logits.shape);
        Assert.Equal(new long[] { 3 }, set.Classes.shape);
    }

    [Fact]
    public void FusedMapsEqualEachMethodRunAlone()
    {
        torch.manual_seed(21);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 3, 1, 8, 8 });
        var methods = FusedSet().Append(new Deconvnet()).Append(new GuidedBackprop(GradientView.Negative)).ToArray();
        using var set = new ExplanationPass(methods).Run(model, x, new TrueLabel(0, 1, 2));
        foreach (var method in methods)
        {
            using var alone = method.Explain(model, x, new TrueLabel(0, 1, 2));
            Assertions.Close(alone, set[method], 1e-6);
        }
    }

    [Fact]
    public void GuidedGradCamIsGradCamTimesGuidedBackprop()
    {
        torch.manual_seed(22);
        using var model = new TinyCnn(inChannels: 3);
        using var x = torch.randn(new long[] { 2, 3, 8, 8 });
        using var set = new ExplanationPass(FusedSet()).Run(model, x, new ClassTarget(2));
        var product = set["guided-gradcam"];
        Assert.Equal(new long[] { 2, 3, 8, 8 }, product.shape);
        using var cam = set["gradcam"].unsqueeze(1);
        using var expected = set["guided-backprop"] * cam;
        Assertions.Close(expected, product);
    }

    [Fact]
    public void BadInputsGetErrorsThatNameThem()
    {
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var layer = Assert.Throws<ArgumentException>(() => new GradCam("features.9").Explain(model, x, PredictedClass.Instance));
        Assert.Contains("'features.9'", layer.Message);
        Assert.Contains("features.4", layer.Message);
        using var flat = torch.randn(new long[] { 1, 8, 8 });
        var rank = Assert.Throws<ArgumentException>(() => new Saliency().Explain(model, flat, PredictedClass.Instance));
        Assert.Contains("[N, C, H, W]", rank.Message);
        Assert.Contains("[1, 8, 8]", rank.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new GradCam().Explain(model, x, new ClassTarget(3)));
        Assert.Contains("target class 3 is out of range", range.Message);
        using var plain = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2));
        var notExplainable = Assert.Throws<ArgumentException>(() => new Saliency().Explain(plain, x, PredictedClass.Instance));
        Assert.Contains("IExplainableModel", notExplainable.Message);
        var twice = Assert.Throws<ArgumentException>(() => new ExplanationPass(new ExplanationMethod[] { new GradCam(), new GradCam() }));
        Assert.Contains("'gradcam' is given more than once", twice.Message);
    }
}
