using CnnVis.Torch;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Dreams;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class DeepDreamTests
{
    // ImageNet's statistics: a photo's pixels then reach about ±2.5 in the model's units.
    private static readonly InputRange s_range = InputRange.FromNormalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    private static Tensor Normalised(Tensor pixels) => s_range.FromUnit(pixels);

    [Theory]
    [InlineData("resnet-small", "deepdream@layer2(octaves=3,scale=1.4,steps=6,step=0.05,jitter=4)")]
    [InlineData("vgg-small", "deepdream@features.10(octaves=2,scale=1.5,steps=5,step=0.05,jitter=3)")]
    [InlineData("resnet-small", "deepdream@layer3(octaves=3,scale=1.3,steps=5,step=0.03,jitter=0,channel=7,seed=4)")]
    [InlineData("resnet-small", "deepdream@layer2(octaves=3,scale=1.3,steps=5,step=0.03,jitter=2,channel=7,seed=4)")]
    [InlineData("resnet-small", "deepdream@layer3(octaves=3,scale=1.3,steps=5,step=0.03,jitter=2,seed=4)")]
    // Jitter climbs the objective of randomly shifted images; an untrained network's stride-4 layer is far from shift-invariant,
    // so there a channel's unshifted objective can fall in an octave (layer3 channel 7, jitter=2: 0.0082 to 0.0064 in the last
    // octave), while without jitter it rises 0.0053 to 0.059. The whole layer's objective rises with jitter.
    public void DreamRaisesTheObjectiveAtEveryOctaveAndStaysInTheInputRange(string modelName, string spec)
    {
        torch.manual_seed(7);
        using var model = ModelZoo.Create(modelName, 3, 5);
        model.train();
        using var scope = torch.NewDisposeScope();
        var photo = Normalised(TestPhotos.Load("chelsea", 56, 84));
        var dream = new DeepDream(DeepDreamSettings.Parse(spec));
        using var result = dream.Run(model, photo, s_range);

        Assert.Equal(photo.shape, result.Images.shape);
        Assert.Equal(dream.Settings.Octaves, result.Octaves.Count);
        Assert.Equal((56L, 84L), (result.Octaves[^1].Height, result.Octaves[^1].Width));
        foreach (var octave in result.Octaves)
        {
            Assert.True(octave.ObjectiveAfter[0] > octave.ObjectiveBefore[0],
                $"octave {octave.Index} ({octave.Height}x{octave.Width}): the objective went from {octave.ObjectiveBefore[0]} to {octave.ObjectiveAfter[0]}");
        }
        // Smallest first, each larger than the one before.
        Assert.True(result.Octaves.Zip(result.Octaves.Skip(1)).All(p => p.First.Height < p.Second.Height && p.First.Width < p.Second.Width));

        var (lower, upper) = s_range.Bounds(result.Images);
        Assert.True((result.Images - lower).min().item<float>() >= -1e-6 && (upper - result.Images).min().item<float>() >= -1e-6, "the dream left the input range");
        Assert.True((result.Images - photo).abs().max().item<float>() > 0.05, "the dream did not change the photo");
        // Left as it was: modes, hooks, parameters' gradients.
        Assert.All(model.modules(), m => Assert.True(m.training));
        Assert.Equal(0, model.modules().Sum(m => m.ForwardHookCount));
        Assert.All(model.parameters(), p => Assert.Null(p.grad));

        var unit = result.ToUnitRange();
        Assert.True(unit.min().item<float>() >= 0 && unit.max().item<float>() <= 1);
        var path = Path.Combine(TestArtifacts.Folder(), $"deepdream-{modelName}-{dream.Settings.Layer}.png");
        Directory.CreateDirectory(TestArtifacts.Folder());
        result.Save(path);
        Assert.True(new FileInfo(path).Length > 100);
    }

    [Fact]
    public void TheInputRangeMapsPixelsToTheModelsUnitsAndBack()
    {
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(new float[] { 0, 0.5f, 1, 0.25f, 0.75f, 1 }, new long[] { 1, 3, 1, 2 });
        var normalised = s_range.FromUnit(pixels);
        // By hand: (p − mean) / std per channel.
        var expected = new[] { (0 - 0.485) / 0.229, (0.5 - 0.485) / 0.229, (1 - 0.456) / 0.224, (0.25 - 0.456) / 0.224, (0.75 - 0.406) / 0.225, (1 - 0.406) / 0.225 };
        var actual = Assertions.Values(normalised);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        Assertions.Close(pixels, s_range.ToUnit(normalised));
        Assertions.Close(torch.ones(new long[] { 1, 3, 1, 2 }), s_range.ToUnit(normalised + 10));
        Assert.Throws<ArgumentException>(() => s_range.ToUnit(torch.zeros(new long[] { 1, 1, 2, 2 })));
    }

    [Fact]
    public void TheSameSeedGivesTheSameDreamAndAnotherSeedAnother()
    {
        torch.manual_seed(8);
        using var model = ModelZoo.Create("resnet-small", 3, 5);
        using var scope = torch.NewDisposeScope();
        var photo = Normalised(TestPhotos.Load("coffee", 40, 60));
        var settings = DeepDreamSettings.Parse("deepdream@layer1(octaves=2,steps=3,jitter=5,seed=1)");
        using var first = new DeepDream(settings).Run(model, photo, s_range);
        using var second = new DeepDream(settings).Run(model, photo, s_range);
        using var other = new DeepDream(settings with { Seed = 2 }).Run(model, photo, s_range);
        Assert.True(first.Images.equal(second.Images));
        Assert.False(first.Images.equal(other.Images));
    }

    [Fact]
    public void OctaveSizesShrinkByTheScaleFromThePhotosSize()
    {
        var dream = new DeepDream(new DeepDreamSettings("layer1") { Octaves = 3, OctaveScale = 2 });
        Assert.Equal(new[] { (56L, 50L), (112L, 100L), (224L, 200L) }, dream.OctaveSizes(224, 200));
        var e = Assert.Throws<ArgumentException>(() => new DeepDream(new DeepDreamSettings("layer1") { Octaves = 5, OctaveScale = 2 }).OctaveSizes(64, 64));
        Assert.Equal("5 octaves at scale 2 make the smallest octave 4x4 pixels from a 64x64 photo; each side must be at least 8: use fewer octaves, a smaller scale or a larger photo", e.Message);
    }

    [Fact]
    public void BadSpecsAndBadLayersAreRefusedByName()
    {
        void Refused(string spec, string message) => Assert.Equal(message, Assert.Throws<ArgumentException>(() => DeepDreamSettings.Parse(spec)).Message);
        Refused("deepdream(octaves=2)", "'deepdream(octaves=2)' names no layer: write deepdream@LAYER, e.g. deepdream@layer3");
        Refused("deepdream@layer2(octaves=0)", "'deepdream@layer2(octaves=0)': octaves must be a whole number from 1 to 12, got '0'");
        Refused("deepdream@layer2(scale=1)", "'deepdream@layer2(scale=1)': scale must be a number more than 1 and at most 4, got '1'");
        Refused("deepdream@layer2(step=-0.1)", "'deepdream@layer2(step=-0.1)': step must be a number more than 0 and at most 10, got '-0.1'");
        Refused("deepdream@layer2(steps=ten)", "'deepdream@layer2(steps=ten)': steps must be a whole number from 1 to 10000, got 'ten'");
        Refused("deepdream@layer2(jitter=-1)", "'deepdream@layer2(jitter=-1)': jitter must be a whole number from 0 to 1024, got '-1'");
        Refused("deepdream@layer2(zoom=2)", "'deepdream@layer2(zoom=2)': unknown setting 'zoom'; deepdream takes octaves, scale, steps, step, jitter, channel, seed");
        Refused("gradcam@layer2", "'gradcam@layer2' is not a deep dream spec: write deepdream@LAYER(octaves=4,scale=1.4,steps=10,step=0.05,jitter=8)");
        Assert.Equal("layer3", DeepDreamSettings.Parse("deepdream", layer: "layer3").Layer);
        var parsed = DeepDreamSettings.Parse("DeepDream@layer2(octaves=2,scale=1.5,steps=3,step=0.2,jitter=0,channel=4,seed=9)");
        Assert.Equal(parsed, DeepDreamSettings.Parse(parsed.ToString()));
        Assert.Equal((2, 1.5, 3, 0.2, 0, 4, 9), (parsed.Octaves, parsed.OctaveScale, parsed.Steps, parsed.StepSize, parsed.Jitter, parsed.Channel, parsed.Seed));

        torch.manual_seed(9);
        using var model = ModelZoo.Create("resnet-small", 3, 5);
        using var scope = torch.NewDisposeScope();
        var photo = Normalised(TestPhotos.Load("astronaut", 32, 32));
        var missing = Assert.Throws<ArgumentException>(() => new DeepDream(new DeepDreamSettings("layer9") { Octaves = 1, Steps = 1 }).Run(model, photo, s_range));
        Assert.StartsWith("the model has no layer 'layer9'. Layers: stem, stem.0,", missing.Message);
        var channel = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepDream(new DeepDreamSettings("layer2") { Octaves = 1, Steps = 1, Channel = 64 }).Run(model, photo, s_range));
        Assert.StartsWith("channel 64 is out of range: layer 'layer2' has 64 channels (0-63)", channel.Message);
        var flat = Assert.Throws<ArgumentException>(() => new DeepDream(new DeepDreamSettings("classifier") { Octaves = 1, Steps = 1 }).Run(model, photo, s_range));
        Assert.StartsWith("layer 'classifier' gives shape [1, 5], not feature maps [N, K, h, w]", flat.Message);
        Assert.Throws<ArgumentException>(() => new DeepDream(new DeepDreamSettings("layer2")).Run(model, photo, InputRange.Unit(1)));
        Assert.Equal(0, model.modules().Sum(m => m.ForwardHookCount));
    }
}
