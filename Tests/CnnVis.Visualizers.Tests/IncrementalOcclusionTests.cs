using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

/// <summary>
/// Occlusion computed incrementally (the model's first local layers only on the patch each window changes) against
/// occlusion by whole forwards: the same maps, on models and windows whose patches reach the edges, pools and strides.
/// </summary>
public class IncrementalOcclusionTests
{
    /// <summary>Strided and pooled: a stride-2 convolution, a 3×3 max-pool with stride 2, a 5×5 convolution; two input channels.</summary>
    private sealed class StridedCnn : Module, IExplainableModel
    {
        public StridedCnn()
        {
            Features = register_module("features", torch.nn.Sequential(
                torch.nn.Conv2d(2, 4, 3, padding: 1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                torch.nn.Conv2d(4, 6, 3, stride: 2, padding: 1), torch.nn.ReLU(),
                new MaxPool2d(3, stride: 2),
                torch.nn.Conv2d(6, 6, 5, padding: 2), torch.nn.BatchNorm2d(6), torch.nn.ReLU(),
                torch.nn.Conv2d(6, 5, 3, padding: 1), torch.nn.ReLU()));
            Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
            Classifier = register_module("classifier", torch.nn.Linear(5, 3));
        }

        public Sequential Features { get; }
        public AdaptiveAvgPool2d Pool { get; }
        public Linear Classifier { get; }
        public string ExplanationLayer => "features.11";
        public string? ClassifierLayer => "classifier";
        public int NumClasses => 3;

        public override Tensor forward(Tensor input)
        {
            using var features = Features.call(input);
            using var pooled = Pool.call(features);
            using var flat = pooled.flatten(1);
            return Classifier.call(flat);
        }
    }

    // Running statistics that are not the defaults, so evaluation-mode batch norm does something.
    private static void Settle(Module model, long[] shape)
    {
        model.train();
        using (torch.no_grad())
        {
            for (var k = 0; k < 3; k++)
            {
                using var x = torch.randn(shape) * 2.0 + 0.5;
                model.call(x).Dispose();
            }
        }
        model.eval();
    }

    public static TheoryData<string, int, int, int, int, double> Cases => new()
    {
        { "small", 4, 4, 2, 2, 0.0 },      // the bench's setting, on a 28 x 28 image
        { "small", 3, 5, 3, 2, -0.5 },     // rectangular window, flush windows at the right and bottom edges
        { "small", 2, 2, 5, 5, 1.0 },      // stride larger than the window
        { "strided", 4, 3, 2, 3, 0.0 },
        { "strided", 5, 5, 4, 4, 0.25 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IncrementalMapsAreThoseOfWholeForwards(string name, int windowHeight, int windowWidth, int strideY, int strideX, double fill)
    {
        torch.manual_seed(60);
        using var model = name == "small" ? new SmallCnn() : (Module)new StridedCnn();
        long[] shape = name == "small" ? new long[] { 3, 1, 28, 28 } : new long[] { 3, 2, 23, 19 };
        Settle(model, shape);
        using var x = torch.randn(shape);
        var incremental = new Occlusion(windowHeight, windowWidth, strideY, strideX, fill, incremental: true);
        var whole = new Occlusion(windowHeight, windowWidth, strideY, strideX, fill, incremental: false);
        using var set = new ExplanationPass(new ExplanationMethod[] { incremental }, maxBatch: 50).Run(model, x, new ClassTarget(1));
        using var expected = whole.Explain(model, x, new ClassTarget(1), maxBatch: 50);
        var layers = set.Reports[$"{incremental.Name}.incremental-layers"].item<long>();
        Assert.True(layers > 0, "the model's first layers should run on patches");
        var scale = Assertions.Values(expected).Max(Math.Abs);
        Assertions.Close(expected, set[incremental], 1e-5 * scale + 1e-6);
    }

    [Fact]
    public void AModelWithoutALocalChainRunsWholeForwards()
    {
        torch.manual_seed(61);
        // One 1x1 convolution at input resolution: its patch is the window itself, which saves nothing on a 5 x 5 image.
        using var model = new PointwiseModel(channels: 2, classes: 3);
        using var x = torch.randn(new long[] { 2, 1, 5, 5 });
        var method = new Occlusion(window: 4, stride: 1);
        using var set = new ExplanationPass(new ExplanationMethod[] { method }, maxBatch: 8).Run(model, x, new ClassTarget(0));
        Assert.Equal("occlusion(stride=1)", method.Name);
        Assert.Equal(0, set.Reports["occlusion(stride=1).incremental-layers"].item<long>());
        using var expected = new Occlusion(window: 4, stride: 1, incremental: false).Explain(model, x, new ClassTarget(0), maxBatch: 8);
        Assertions.Close(expected, set[method], 1e-6);
    }
}
