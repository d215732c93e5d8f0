using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class CamMethodTests
{
    /// <summary>The explanation layer's output for <paramref name="x"/>, [N, C, h, w], taken with our own hook.</summary>
    private static double[,,,] ActivationsOf(TinyCnn model, Tensor x)
    {
        Tensor? kept = null;
        model.eval();
        using (var hook = model.get_submodule(model.ExplanationLayer).register_forward_hook((_, _, output) => { kept = output.detach(); return null; }))
        using (torch.no_grad())
        using (model.call(x)) { }
        using var a = kept!;
        var s = a.shape;
        var v = Assertions.Values(a);
        var result = new double[s[0], s[1], s[2], s[3]];
        Buffer.BlockCopy(v, 0, result, 0, v.Length * sizeof(double));
        return result;
    }

    private static double[,] ClassifierWeights(TinyCnn model)
    {
        using var w = model.Classifier.weight.detach();
        var s = w.shape;
        var v = Assertions.Values(w);
        var result = new double[s[0], s[1]];
        Buffer.BlockCopy(v, 0, result, 0, v.Length * sizeof(double));
        return result;
    }

    private static Tensor Upsampled(double[,,] maps, long[] size)
    {
        var n = maps.GetLength(0);
        var h = maps.GetLength(1);
        var w = maps.GetLength(2);
        var flat = new float[n * h * w];
        var k = 0;
        foreach (var v in maps) flat[k++] = (float)v;
        using var t = torch.tensor(flat, new long[] { n, 1, h, w });
        using var up = torch.nn.functional.interpolate(t, size);
        return up.squeeze(1);
    }

    [Fact]
    public void CamEqualsGradCamUpToAPositiveScaleForAPoolAndLinearHead()
    {
        torch.manual_seed(10);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 4, 1, 8, 8 });
        using var set = new ExplanationPass(new ExplanationMethod[] { new Cam(), new GradCam() }).Run(model, x, PredictedClass.Instance);
        var cam = set["cam"];
        var gradCam = set["gradcam"];
        Assert.Equal(new long[] { 4, 8, 8 }, cam.shape);
        // Grad-CAM's weights are W[c] / (h·w) here: the pooled 4×4 layer spreads each weight over 16 positions.
        using var scaled = gradCam * 16.0;
        Assertions.Close(cam, scaled);
        Assert.Contains(Assertions.Values(cam), v => v > 0);
    }

    [Fact]
    public void GradCamPlusPlusFollowsTheClosedForm()
    {
        torch.manual_seed(11);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var target = new TrueLabel(0, 2);
        using var map = new GradCamPlusPlus().Explain(model, x, target);

        var a = ActivationsOf(model, x);
        var w = ClassifierWeights(model);
        int n = a.GetLength(0), c = a.GetLength(1), h = a.GetLength(2), wd = a.GetLength(3);
        var expected = new double[n, h, wd];
        for (var i = 0; i < n; i++)
        {
            var cls = i == 0 ? 0 : 2;
            for (var ch = 0; ch < c; ch++)
            {
                // With a pool + linear head the gradient at every position is W[cls, ch] / (h·w).
                var g = w[cls, ch] / (h * wd);
                double sumA = 0;
                for (var y = 0; y < h; y++) for (var z = 0; z < wd; z++) sumA += a[i, ch, y, z];
                var alpha = g == 0 ? 0 : g * g / (2 * g * g + sumA * g * g * g + 1e-6);
                var weight = h * wd * alpha * Math.Max(g, 0);
                for (var y = 0; y < h; y++) for (var z = 0; z < wd; z++) expected[i, y, z] += weight * a[i, ch, y, z];
            }
            for (var y = 0; y < h; y++) for (var z = 0; z < wd; z++) expected[i, y, z] = Math.Max(expected[i, y, z], 0);
        }
        using var up = Upsampled(expected, new long[] { 8, 8 });
        Assertions.Close(up, map, 1e-4);
    }

    [Fact]
    public void LayerCamWeighsEveryPositionByItsPositiveGradient()
    {
        torch.manual_seed(12);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using var map = new LayerCam().Explain(model, x, new ClassTarget(1));
        var a = ActivationsOf(model, x);
        var w = ClassifierWeights(model);
        int n = a.GetLength(0), c = a.GetLength(1), h = a.GetLength(2), wd = a.GetLength(3);
        var expected = new double[n, h, wd];
        for (var i = 0; i < n; i++)
        {
            for (var ch = 0; ch < c; ch++)
            {
                var g = Math.Max(w[1, ch] / (h * wd), 0);
                for (var y = 0; y < h; y++) for (var z = 0; z < wd; z++) expected[i, y, z] += g * a[i, ch, y, z];
            }
        }
        using var up = Upsampled(expected, new long[] { 8, 8 });
        Assertions.Close(up, map, 1e-5);
    }

    [Fact]
    public void CamNeedsAPoolAndLinearHead()
    {
        using var model = new TinyCnn(namesClassifier: false);
        using var x = torch.randn(new long[] { 1, 1, 8, 8 });
        var e = Assert.Throws<InvalidOperationException>(() => new Cam().Explain(model, x, new ClassTarget(0)));
        Assert.Contains("names no ClassifierLayer", e.Message);
        using var flat = new ReluThenLinear(1, 4, 4, 2);
        using var y = torch.randn(new long[] { 1, 1, 4, 4 });
        var notMaps = Assert.Throws<InvalidOperationException>(() => new GradCam().Explain(flat, y, new ClassTarget(0)));
        Assert.Contains("feature maps [N, C, h, w]", notMaps.Message);
    }

    [Fact]
    public void AnyLayerCanBeWeighed()
    {
        torch.manual_seed(13);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var early = new GradCam("features.2");
        Assert.Equal("gradcam@features.2", early.Name);
        using var set = new ExplanationPass(new ExplanationMethod[] { early, new GradCam() }).Run(model, x, new ClassTarget(0));
        Assert.Equal(new long[] { 2, 8, 8 }, set[early].shape);
        Assert.False(set[early].equal(set["gradcam"]));
    }
}
