using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

/// <summary>
/// Every CAM method reports its map at the layer's own resolution ("method.layer-map"), the map that is then
/// upsampled to the input; methods without such a grid report none.
/// </summary>
public class CamLayerMapTests
{
    [Fact]
    public void CamMethodsReportTheLayerGridMapTheirInputMapIsUpsampledFrom()
    {
        torch.manual_seed(4);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using var set = new ExplanationPass([new Cam(), new GradCam(), new LayerCam(), new Saliency()]).Run(model, x, PredictedClass.Instance);
        foreach (var name in new[] { "cam", "gradcam", "layercam" })
        {
            var layer = set.Reports[$"{name}.{CamMethod.LayerMapReport}"];
            // features.4 has stride 2: a 4 x 4 grid for an 8 x 8 input.
            Assert.Equal(new long[] { 2, 4, 4 }, layer.shape);
            Assert.True(Assertions.Values(layer).All(v => v >= 0), $"{name}: the layer map is taken after the ReLU");
            using var upsampled = CamMethod.Upsample(layer, [8, 8]);
            Assertions.Close(set[name], upsampled, 0);
        }
        Assert.DoesNotContain(set.Reports.Keys, k => k.StartsWith("saliency.", StringComparison.Ordinal));
    }
}
