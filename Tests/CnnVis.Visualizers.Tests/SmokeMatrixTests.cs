using CnnVis.Torch;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Scores;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

/// <summary>
/// Every method of the catalog, as a user gets it by name, on every model of the zoo (and the test models): the
/// right shape, finite, and not one flat value. Untrained weights, a small batch.
/// </summary>
public class SmokeMatrixTests
{
    private const int Images = 2;

    private static readonly Dictionary<string, Func<(Module model, long channels, long size)>> s_models = new()
    {
        ["fashionnet"] = () => (ModelZoo.Create("fashionnet", 1, 10), 1, 28),
        ["vgg-small"] = () => (ModelZoo.Create("vgg-small", 3, 10), 3, 32),
        ["resnet-small"] = () => (ModelZoo.Create("resnet-small", 3, 10), 3, 32),
        // The ImageNet backbone read from its ONNX file, at the smallest side its stages keep exact (a multiple of 32).
        [ImageNetResNet18.ZooName] = () => (ModelZoo.Create(ImageNetResNet18.ZooName, 3, 10), 3, 64),
        ["tiny-grey"] = () => (new TinyCnn(), 1, 8),
        ["tiny-colour"] = () => (new TinyCnn(inChannels: 3, classes: 5), 3, 12),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        // Every method on every small model; the ImageNet ResNet-18 (seconds to load) takes the zoo test below.
        foreach (var model in s_models.Keys.Where(m => m != ImageNetResNet18.ZooName))
            foreach (var method in ExplanationMethods.Names) data.Add(method, model);
        return data;
    }

    public static TheoryData<string> ZooModels() => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesAFiniteVaryingMapOfTheRightShape(string methodName, string modelName)
    {
        torch.manual_seed(70);
        var (model, channels, size) = s_models[modelName]();
        using var owned = model;
        using var x = torch.randn(new long[] { Images, channels, size, size });
        var method = ExplanationMethods.Create(methodName);
        using var map = method.Explain(model, x, PredictedClass.Instance, maxBatch: 128);
        var shape = map.shape;
        Assert.Equal(Images, shape[0]);
        Assert.Equal(new[] { size, size }, shape[^2..]);
        Assert.True(shape.Length == 3 || (shape.Length == 4 && shape[1] == channels), $"shape [{string.Join(", ", shape)}]");
        var values = Assertions.Values(map);
        Assert.All(values, v => Assert.True(double.IsFinite(v)));
        Assert.True(values.Max() > values.Min(), $"{methodName} on {modelName} gave one flat value {values[0]}");
    }

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void FeaturesAndScoresWorkOnEveryZooModel(string modelName)
    {
        torch.manual_seed(71);
        var (model, channels, size) = s_models[modelName]();
        using var owned = model;
        var explainable = (IExplainableModel)model;
        using var x = torch.randn(new long[] { Images, channels, size, size });

        using var filters = FirstLayerFilters.Of(model);
        Assert.Equal(channels, filters.size(1));
        using var maps = FeatureMaps.Capture(model, x, explainable.ExplanationLayer);
        Assert.Equal(Images, maps.size(0));
        using (var tiles = FeatureMaps.Render(maps, maxChannels: 16)) Assert.Equal(3, tiles.size(2));
        using var guided = new GuidedLayerActivation(explainable.ExplanationLayer, 0).Explain(model, x);
        Assert.Equal(x.shape, guided.shape);
        var settings = new ActivationMaximizationSettings { Steps = 3 };
        using (var dream = new ActivationMaximization(settings).Run(model, ActivationGoal.Classes(0, 9), new long[] { channels, size, size }, InputRange.Unit((int)channels)))
            Assert.All(dream.FinalScores, s => Assert.True(double.IsFinite(s)));

        using var gradCam = ExplanationMethods.Create("gradcam").Explain(model, x, PredictedClass.Instance);
        var deletion = new DeletionInsertion(steps: 4).Deletion(model, x, gradCam, PredictedClass.Instance);
        Assert.All(deletion.Auc, a => Assert.InRange(a, 0, 1));
        using var masks = torch.rand(new long[] { Images, size, size });
        Assert.Equal(Images, PointingGame.Hits(gradCam, masks).Length);
        Assert.All(EnergyInMask.Of(gradCam, masks), e => Assert.InRange(e, 0, 1));
        using var copy = ModelZoo.Create(modelName, (int)channels, 10);
        copy.load_state_dict(model.state_dict());
        ModelRandomization.Reinitialize(copy, seed: 3);
        var check = ModelRandomization.Check(ExplanationMethods.Create("saliency"), model, copy, x, PredictedClass.Instance);
        Assert.All(check.Spearman, s => Assert.InRange(s, -1, 1));
    }
}
