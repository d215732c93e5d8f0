using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class ExplanationMethodsTests
{
    [Fact]
    public void TheCatalogNamesEveryMethodOfTheIssue()
    {
        var expected = new[]
        {
            "cam", "gradcam", "gradcam++", "layercam", "scorecam", "eigencam", "saliency", "gradient-x-input", "guided-backprop",
            "guided-backprop-grey", "guided-backprop-positive", "guided-backprop-negative", "deconvnet", "guided-gradcam",
            "integrated-gradients", "smoothgrad", "occlusion",
        };
        Assert.Equal(expected.Order(), ExplanationMethods.Names.Order());
        foreach (var name in ExplanationMethods.Names)
        {
            var description = ExplanationMethods.Describe(name);
            Assert.False(string.IsNullOrWhiteSpace(description));
            Assert.DoesNotContain('\n', description);
            Assert.Equal(description, ExplanationMethods.Descriptions[name]);
        }
    }

    [Fact]
    public void EveryNameMakesAMethodWhoseOwnNameCanBeTypedBack()
    {
        foreach (var name in ExplanationMethods.Names)
        {
            var method = ExplanationMethods.Create(name);
            var again = ExplanationMethods.Create(method.Name);
            Assert.Equal(method.Name, again.Name);
            Assert.Equal(method.GetType(), again.GetType());
        }
        Assert.Equal("smoothgrad(saliency)", ExplanationMethods.Create("smoothgrad").Name);
        Assert.Equal("gradcam", ExplanationMethods.Create(" GradCAM ").Name);
        Assert.IsType<GuidedBackprop>(ExplanationMethods.Create("guided-backprop-negative"));
        Assert.Equal(GradientView.Negative, ((GuidedBackprop)ExplanationMethods.Create("guided-backprop-negative")).View);
        var smoothed = Assert.IsType<SmoothGrad>(ExplanationMethods.Create("smoothgrad(guided-backprop)"));
        Assert.IsType<GuidedBackprop>(smoothed.Inner);
    }

    [Fact]
    public void ALayerGoesToMethodsThatReadOne()
    {
        Assert.Equal("gradcam@features.1", ExplanationMethods.Create("gradcam", "features.1").Name);
        Assert.Equal("layercam@features.1", ExplanationMethods.Create("layercam@features.1").Name);
        Assert.Equal("guided-gradcam@features.1", ExplanationMethods.Create("guided-gradcam", "features.1").Name);
        Assert.True(ExplanationMethods.TakesLayer("scorecam"));
        Assert.False(ExplanationMethods.TakesLayer("saliency"));
        Assert.False(ExplanationMethods.TakesLayer("cam"));
        var e = Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("saliency", "features.1"));
        Assert.Contains("features.1", e.Message);
        Assert.Contains("saliency", e.Message);
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("gradcam", " "));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("gradcam@"));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("gradcam@a", "b"));
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("gradcam+++"));
        Assert.Contains("'gradcam+++'", e.Message);
        foreach (var name in ExplanationMethods.Names) Assert.Contains(name, e.Message);
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("smoothgrad()"));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("smoothgrad(smoothgrad)"));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Create("smoothgrad(nothing)"));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.CreateMany(new[] { "gradcam", "GRADCAM" }));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.CreateMany(Array.Empty<string>()));
        var noLayer = Assert.Throws<ArgumentException>(() => ExplanationMethods.CreateMany(new[] { "saliency", "occlusion" }, "features.1"));
        Assert.Contains("features.1", noLayer.Message);
    }

    [Fact]
    public void GuidedGradCamReusesTheGradCamAndGuidedBackpropAskedFor()
    {
        var methods = ExplanationMethods.CreateMany(new[] { "guided-gradcam", "saliency", "guided-backprop", "gradcam" });
        Assert.Equal(new[] { "guided-gradcam", "saliency", "guided-backprop", "gradcam" }, methods.Select(m => m.Name));
        var fused = Assert.IsType<GuidedGradCam>(methods[0]);
        Assert.Same(methods[3], fused.GradCam);
        Assert.Same(methods[2], fused.GuidedBackprop);

        // A Grad-CAM at another layer or a guided backprop in another view is not what guided Grad-CAM multiplies.
        var apart = ExplanationMethods.CreateMany(new[] { "gradcam@features.1", "guided-backprop-grey", "guided-gradcam" });
        var alone = Assert.IsType<GuidedGradCam>(apart[2]);
        Assert.NotSame(apart[0], alone.GradCam);
        Assert.Null(alone.GradCam.Layer);
        Assert.Equal(GradientView.Colour, alone.GuidedBackprop.View);

        // One layer for the whole set reaches guided Grad-CAM's Grad-CAM too, so they are still shared.
        var atLayer = ExplanationMethods.CreateMany(new[] { "gradcam", "guided-gradcam", "saliency" }, "features.1");
        Assert.Same(atLayer[0], ((GuidedGradCam)atLayer[1]).GradCam);
        Assert.Equal("gradcam@features.1", atLayer[0].Name);
        Assert.Equal("saliency", atLayer[2].Name);
    }

    [Fact]
    public void ACatalogSetRunsAsOneFusedPass()
    {
        torch.manual_seed(90);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var methods = ExplanationMethods.CreateMany(new[] { "cam", "gradcam", "gradcam++", "layercam", "saliency", "gradient-x-input", "guided-backprop", "guided-gradcam" });
        var pass = new ExplanationPass(methods);
        Assert.Equal(2, pass.ForwardCount(model));
        using var set = pass.Run(model, x, PredictedClass.Instance);
        using var cam = set["gradcam"].unsqueeze(1);
        using var expected = set["guided-backprop"] * cam;
        Assertions.Close(expected, set["guided-gradcam"]);
    }
}
