using System.Diagnostics;
using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;
using Xunit.Abstractions;

namespace CnnVis.Visualizers.Tests;

public class FusedPassSpeedTests(ITestOutputHelper output)
{
    [Fact]
    public void TheFusedSetCostsFarLessThanItsMethodsOneByOne()
    {
        torch.manual_seed(60);
        using var model = new SmallCnn();
        using var x = torch.randn(new long[] { 64, 1, 28, 28 });
        var gradCam = new GradCam();
        var guided = new GuidedBackprop();
        var methods = new ExplanationMethod[]
        {
            new Cam(), gradCam, new GradCamPlusPlus(), new LayerCam(), new Saliency(), new GradientTimesInput(), guided,
            new GuidedGradCam(gradCam, guided),
        };
        var pass = new ExplanationPass(methods);
        using (pass.Run(model, x, PredictedClass.Instance)) { } // warm-up

        double Best(Action run)
        {
            var best = double.MaxValue;
            for (var k = 0; k < 2; k++)
            {
                var clock = Stopwatch.StartNew();
                run();
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            }
            return best;
        }

        var fused = Best(() => { using (pass.Run(model, x, PredictedClass.Instance)) { } });
        var alone = new Dictionary<string, double>();
        foreach (var method in methods) alone[method.Name] = Best(() => method.Explain(model, x, PredictedClass.Instance).Dispose());
        var sum = alone.Values.Sum();
        output.WriteLine($"64 images 1×28×28, {torch.get_num_threads()} threads: fused {fused:F1} ms; one by one {sum:F1} ms ({string.Join(", ", alone.Select(kv => $"{kv.Key} {kv.Value:F1}"))})");
        Assert.True(fused < sum / 2, $"fused {fused:F1} ms against {sum:F1} ms one by one");
    }
}
