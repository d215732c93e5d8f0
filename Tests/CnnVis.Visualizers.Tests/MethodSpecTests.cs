using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class MethodSpecTests
{
    // Fashion-MNIST's normalisation, and an RGB one whose channels differ, so black differs per channel.
    private static readonly InputRange s_grey = InputRange.FromNormalization([0.2860f], [0.3530f]);
    private static readonly float[] s_rgbMean = [0.2f, 0.5f, 0.7f];
    private static readonly float[] s_rgbStd = [0.25f, 0.3f, 0.2f];
    private static readonly InputRange s_rgb = InputRange.FromNormalization(s_rgbMean, s_rgbStd);

    [Fact]
    public void ASpecIsReadIntoNameLayerArgumentsAndSettings()
    {
        var spec = MethodSpec.Parse(" Integrated-Gradients( steps = 64 , BASELINE=black ) ");
        Assert.Equal("integrated-gradients", spec.Name);
        Assert.Null(spec.Layer);
        Assert.Empty(spec.Arguments);
        Assert.Equal([new("steps", "64"), new KeyValuePair<string, string>("baseline", "black")], spec.Settings);
        Assert.Equal("integrated-gradients(steps=64,baseline=black)", spec.ToString());

        var nested = MethodSpec.Parse("smoothgrad(integrated-gradients(steps=8,baseline=black),samples=4)");
        Assert.Equal(["integrated-gradients(steps=8,baseline=black)"], nested.Arguments);
        Assert.Equal([new KeyValuePair<string, string>("samples", "4")], nested.Settings);

        var layered = MethodSpec.Parse("scorecam@Features.11(batch=32)");
        Assert.Equal("scorecam", layered.Name);
        Assert.Equal("Features.11", layered.Layer);
    }

    [Fact]
    public void CommasInsideParenthesesDoNotSplitAList()
    {
        Assert.Equal(["gradcam", "smoothgrad(gradcam,samples=32,noise=0.15)", "occlusion(window=8,stride=4)", "saliency"],
            MethodSpec.SplitList("gradcam, smoothgrad(gradcam,samples=32,noise=0.15),occlusion(window=8,stride=4),,saliency"));
        Assert.Equal("'gradcam,occlusion(window=8': a '(' is not closed by ')'",
            Assert.Throws<ArgumentException>(() => MethodSpec.SplitList("gradcam,occlusion(window=8")).Message);
        Assert.Equal("'gradcam)': a ')' has no '('", Assert.Throws<ArgumentException>(() => MethodSpec.SplitList("gradcam)")).Message);
    }

    [Fact]
    public void SettingsReachTheMethods()
    {
        var ig = Assert.IsType<IntegratedGradients>(ExplanationMethods.Create("integrated-gradients(steps=64,baseline=black)", input: s_grey));
        Assert.Equal(64, ig.Steps);
        Assert.Equal("black", ig.Baseline.Name);
        Assert.Same(Baseline.Zero, Assert.IsType<IntegratedGradients>(ExplanationMethods.Create("integrated-gradients(baseline=mean)")).Baseline);

        var occlusion = Assert.IsType<Occlusion>(ExplanationMethods.Create("occlusion(window=8,stride=4)"));
        Assert.Equal((8, 8, 4, 4), (occlusion.WindowHeight, occlusion.WindowWidth, occlusion.StrideY, occlusion.StrideX));
        Assert.Same(Baseline.Zero, occlusion.Fill);

        var smooth = Assert.IsType<SmoothGrad>(ExplanationMethods.Create("smoothgrad(gradcam@features.1,samples=32,noise=0.2)"));
        Assert.Equal("gradcam@features.1", Assert.IsType<GradCam>(smooth.Inner).Name);
        Assert.Equal((32, 0.2), (smooth.Samples, smooth.NoiseLevel));

        Assert.Equal(32, Assert.IsType<ScoreCam>(ExplanationMethods.Create("scorecam(batch=32)")).Batch);
        Assert.Null(Assert.IsType<ScoreCam>(ExplanationMethods.Create("scorecam")).Batch);
    }

    [Theory]
    [InlineData("integrated-gradients(steps=64,baseline=black)")]
    [InlineData("occlusion(window=8,stride=4,fill=black)")]
    [InlineData("occlusion(stride=1)")]
    [InlineData("smoothgrad(gradcam,samples=32,noise=0.2)")]
    [InlineData("smoothgrad(integrated-gradients(steps=8),samples=4)")]
    public void AMethodWithSettingsIsNamedByThemAndTheNameReadsBack(string spec)
    {
        var method = ExplanationMethods.Create(spec, input: s_rgb);
        Assert.Equal(spec, method.Name);
        Assert.Equal(method.Name, ExplanationMethods.Create(method.Name, input: s_rgb).Name);
    }

    [Fact]
    public void DefaultSettingsKeepTheShortNames()
    {
        Assert.Equal("integrated-gradients", ExplanationMethods.Create("integrated-gradients(steps=32,baseline=mean)").Name);
        Assert.Equal("occlusion", ExplanationMethods.Create("occlusion(window=4,stride=2,fill=mean)").Name);
        Assert.Equal("smoothgrad(saliency)", ExplanationMethods.Create("smoothgrad(samples=16)").Name);
        Assert.Equal("scorecam", ExplanationMethods.Create("scorecam(batch=8)").Name);
    }

    [Theory]
    [InlineData("integrated-gradients(step=64)", "'integrated-gradients(step=64)': unknown setting 'step'; integrated-gradients takes steps, baseline")]
    [InlineData("integrated-gradients(steps=0)", "'integrated-gradients(steps=0)': steps must be a whole number from 1 to 4096, got '0'")]
    [InlineData("integrated-gradients(steps=many)", "'integrated-gradients(steps=many)': steps must be a whole number from 1 to 4096, got 'many'")]
    [InlineData("integrated-gradients(baseline=white)", "'integrated-gradients(baseline=white)': baseline must be mean or black, got 'white'")]
    [InlineData("occlusion(fill=grey)", "'occlusion(fill=grey)': fill must be mean or black, got 'grey'")]
    [InlineData("occlusion(window=4,window=8)", "'occlusion(window=4,window=8)': the setting 'window' is given twice")]
    [InlineData("occlusion(window=)", "'occlusion(window=)': the setting 'window' has no value")]
    [InlineData("occlusion(8)", "'occlusion(8)': '8' is not a setting; write key=value (occlusion takes window, stride, fill)")]
    [InlineData("occlusion(window=8", "'occlusion(window=8': a '(' is not closed by ')'")]
    [InlineData("occlusion(window=8)x", "'occlusion(window=8)x': unexpected text after ')': 'x'")]
    [InlineData("smoothgrad(gradcam,noise=-1)", "'smoothgrad(gradcam,noise=-1)': noise must be a number from 0 to 10, got '-1'")]
    [InlineData("smoothgrad(gradcam,saliency)", "'smoothgrad(gradcam,saliency)': smoothgrad smooths one method, but 2 are named: gradcam, saliency")]
    [InlineData("smoothgrad()", "'smoothgrad()': the parentheses are empty; leave them out or give settings inside")]
    [InlineData("scorecam(batch=0)", "'scorecam(batch=0)': batch must be a whole number from 1 to 1024, got '0'")]
    [InlineData("gradcam(samples=3)", "'gradcam(samples=3)': gradcam takes no settings, but 'samples' was given")]
    [InlineData("integrated-gradients(baseline=black)", "'integrated-gradients(baseline=black)': baseline=black needs the images' normalisation (mean and std per channel) to know what black is")]
    public void BadSpecsAreRefusedByName(string spec, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ExplanationMethods.Create(spec));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void DescribingASpecChecksItWithoutTheNormalisation()
    {
        Assert.Contains("steps=8", ExplanationMethods.Describe("integrated-gradients(steps=8,baseline=black)"));
        Assert.Equal("SmoothGrad of gradcam: its maps averaged over 32 noisy copies (noise 0.15)", ExplanationMethods.Describe("smoothgrad(gradcam,samples=32)"));
        Assert.Throws<ArgumentException>(() => ExplanationMethods.Describe("occlusion(fill=white)"));
        Assert.Equal(["window", "stride", "fill"], ExplanationMethods.Settings("occlusion").Select(s => s.Key));
        Assert.Empty(ExplanationMethods.Settings("gradcam"));
    }

    [Fact]
    public void TheDescriptionsSayThatMeanIsNotBlack()
    {
        foreach (var name in new[] { "integrated-gradients", "occlusion" })
        {
            var description = ExplanationMethods.Describe(name);
            Assert.Contains("mean", description);
            Assert.Contains("0 in the normalised input", description);
            Assert.DoesNotContain("blacked out", description);
            Assert.DoesNotContain("from a black baseline", description);
        }
    }

    [Fact]
    public void BlackIsBlackInDisplaySpaceAndMeanIsTheMean()
    {
        using var x = torch.randn(new long[] { 2, 3, 5, 4 });
        using var mean = torch.tensor(s_rgbMean, new long[] { 1, 3, 1, 1 });
        using var std = torch.tensor(s_rgbStd, new long[] { 1, 3, 1, 1 });
        foreach (var spec in new[] { "integrated-gradients(baseline=black)", "occlusion(fill=black)" })
        {
            var method = ExplanationMethods.Create(spec, input: s_rgb);
            var baseline = method is IntegratedGradients ig ? ig.Baseline : ((Occlusion)method).Fill;
            using var normalised = baseline.For(x);
            using var display = (normalised * std) + mean;
            Assert.Equal(x.shape, display.shape);
            Assert.True(display.abs().max().item<float>() < 1e-6, $"{spec}: black shows as {display.abs().max().item<float>()}, not 0");
        }
        var meanBaseline = ((IntegratedGradients)ExplanationMethods.Create("integrated-gradients")).Baseline;
        using var zero = meanBaseline.For(x);
        using var shown = (zero * std) + mean;
        using var expected = mean.expand(x.shape);
        Assertions.Close(expected, shown, 1e-7);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OcclusionWithBlackChangesNothingOnABlackImage(int channels)
    {
        // For a linear model the logit drops by Σ over the window of w · (x − fill): zero everywhere exactly when the
        // fill equals the image, here a black one, whatever the weights.
        torch.manual_seed(5);
        float[] means = channels == 1 ? [0.2860f] : s_rgbMean, stds = channels == 1 ? [0.3530f] : s_rgbStd;
        var input = InputRange.FromNormalization(means, stds);
        using var model = new LinearModel(channels, 6, 6, 3);
        using var black = torch.tensor(input.Lower.ToArray(), new long[] { 1, channels, 1, 1 }).expand(new long[] { 2, channels, 6, 6 }).contiguous();
        using var blackMap = ExplanationMethods.Create("occlusion(window=2,stride=2,fill=black)", input: input).Explain(model, black, new ClassTarget(1));
        Assert.True(blackMap.abs().max().item<float>() < 1e-5, $"occluding black with black dropped the score by {blackMap.abs().max().item<float>()}");
        using var meanMap = ExplanationMethods.Create("occlusion(window=2,stride=2)", input: input).Explain(model, black, new ClassTarget(1));
        Assert.True(meanMap.abs().max().item<float>() > 1e-3, "occluding black with the mean should change the score");
    }

    [Fact]
    public void IntegratedGradientsFromBlackIsZeroOnABlackImage()
    {
        torch.manual_seed(6);
        using var model = new LinearModel(3, 4, 4, 2);
        using var black = torch.tensor(s_rgb.Lower.ToArray(), new long[] { 1, 3, 1, 1 }).expand(new long[] { 1, 3, 4, 4 }).contiguous();
        using var map = ExplanationMethods.Create("integrated-gradients(steps=4,baseline=black)", input: s_rgb).Explain(model, black, new ClassTarget(0));
        Assert.True(map.abs().max().item<float>() < 1e-6);
        using var fromMean = ExplanationMethods.Create("integrated-gradients(steps=4)", input: s_rgb).Explain(model, black, new ClassTarget(0));
        Assert.True(fromMean.abs().max().item<float>() > 1e-3);
    }
}
