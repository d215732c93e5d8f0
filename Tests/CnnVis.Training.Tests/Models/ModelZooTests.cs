using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Models;
using CnnVis.Training.Tests.Fixtures;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Models;

public class ModelZooTests
{
    [Theory]
    [InlineData("fashionnet", 1, 28)]
    [InlineData("vgg-small", 3, 32)]
    [InlineData("resnet-small", 3, 32)]
    public void EveryModelClassifiesAndNamesAFourDimensionalExplanationLayer(string name, int channels, int size)
    {
        torch.manual_seed(1);
        using var scope = torch.NewDisposeScope();
        using var model = ModelZoo.Create(name, channels, 6);
        Tensor? activation = null;
        using (model.get_submodule(model.ExplanationLayer).register_forward_hook((_, _, output) => { activation = output.alias(); return null; }))
        {
            model.eval();
            var logits = model.call(torch.randn(new long[] { 2, channels, size, size }));
            Assert.Equal(new long[] { 2, 6 }, logits.shape);
        }
        Assert.NotNull(activation);
        Assert.Equal(4, activation!.Dimensions);
        Assert.IsType<CnnVis.Torch.Modules.Linear>(model.get_submodule(model.ClassifierLayer!));
        // The classifier reads the pooled explanation-layer channels: CAM applies.
        Assert.Equal(activation.size(1), ((CnnVis.Torch.Modules.Linear)model.get_submodule(model.ClassifierLayer!)).InFeatures);
    }

    [Theory]
    [InlineData("fashionnet", 1, 28)]
    [InlineData("resnet-small", 3, 32)]
    public void ChannelsLastLayoutGivesTheSameOutputsAndGradients(string name, int channels, int size)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var plain = ModelZoo.Create(name, channels, 4);
        torch.manual_seed(5);
        using var nhwc = ModelZoo.Create(name, channels, 4);
        nhwc.to(MemoryFormat.ChannelsLast);
        Assert.True(((CnnVis.Torch.Modules.Conv2d)nhwc.modules().First(m => m is CnnVis.Torch.Modules.Conv2d)).weight.is_contiguous(MemoryFormat.ChannelsLast));
        var x = torch.randn(new long[] { 3, channels, size, size });
        var y = torch.tensor(new long[] { 0, 1, 3 });
        var a = plain.call(x);
        var b = nhwc.call(x.contiguous(MemoryFormat.ChannelsLast));
        Assert.True(a.allclose(b, 1e-4, 1e-5));
        torch.nn.functional.cross_entropy(a, y).backward();
        torch.nn.functional.cross_entropy(b, y).backward();
        foreach (var ((_, p), (_, q)) in plain.named_parameters().Zip(nhwc.named_parameters()))
            Assert.True(p.grad!.allclose(q.grad!, 1e-3, 1e-5));
    }

    [Fact]
    public void FashionNetHasPyTorchsKeysAndShapes()
    {
        using var model = new FashionNet();
        var pytorch = torch.load(FixtureFiles.Path("fashionnet_pytorch.pt"));
        try
        {
            var ours = model.state_dict();
            Assert.Equal(pytorch.Keys, ours.Keys);
            foreach (var (key, t) in pytorch) Assert.Equal(t.shape, ours[key].shape);
        }
        finally
        {
            foreach (var t in pytorch.Values) t.Dispose();
        }
    }

    [Fact]
    public void FashionNetTrainedInPyTorchPredictsWhatPyTorchPredicts()
    {
        using var model = new FashionNet();
        Checkpoint.LoadWeights(FixtureFiles.Path("fashionnet_pytorch.pt"), model);
        model.eval();
        var test = Subset.First(Datasets.Create("fashion-mnist", train: false), 64);
        using var loader = new DataLoader(test, 64, shuffle: false, seed: 0, prefetch: false);
        var expected = torch.load(FixtureFiles.Path("fashionnet_pytorch_outputs.pt"));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var batch = loader.First();
        var logits = model.call(batch.Images);
        var reference = expected["logits"];
        Assert.Equal(reference.argmax(1).data<long>(), logits.argmax(1).data<long>());
        var maxDifference = (logits - reference).abs().max().item<float>();
        Assert.True(maxDifference < 1e-4, $"largest logit difference {maxDifference}");
        foreach (var t in expected.Values) t.Dispose();
    }

    [Fact]
    public void AStateDictForAnotherArchitectureIsRefusedWithEveryBadKeyNamed()
    {
        using var deeper = new SmallVgg(1, 10);
        var missing = Assert.Throws<StateDictMismatchException>(() => Checkpoint.LoadWeights(FixtureFiles.Path("fashionnet_pytorch.pt"), deeper));
        Assert.Contains("fashionnet_pytorch.pt", missing.Message);
        Assert.Contains("missing keys", missing.Message);
        Assert.Contains("features.17.weight", missing.Message);
        Assert.Contains("features.17.weight", missing.Missing);

        using var fewerClasses = new FashionNet(1, 5);
        var before = Sums(fewerClasses);
        var misshaped = Assert.Throws<StateDictMismatchException>(() => Checkpoint.LoadWeights(FixtureFiles.Path("fashionnet_pytorch.pt"), fewerClasses));
        Assert.Contains("mis-shaped keys", misshaped.Message);
        Assert.Contains("classifier.weight (model [5, 128], file [10, 128])", misshaped.Message);
        Assert.Empty(misshaped.Missing);
        // Nothing was half-loaded: even the keys that fit were left alone.
        Assert.Equal(before, Sums(fewerClasses));
    }

    private static float[] Sums(Module m) =>
        m.state_dict().Values.Where(t => t.dtype == ScalarType.Float32).Select(t => t.data<float>().Sum()).ToArray();

    [Fact]
    public void UnknownModelNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("alexnet", 3, 10));
        Assert.Contains("alexnet", e.Message);
        Assert.Contains("fashionnet", e.Message);
    }
}
