using CnnVis.Torch;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Inversion;
using CnnVis.Visualizers.Scores;

namespace CnnVis.Visualizers.Tests;

public class InversionTests
{
    private static readonly InputRange s_range = InputRange.FromNormalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    [Fact]
    public void InversionLowersTheDistanceAndTheFirstBlocksReconstructionResemblesThePhoto()
    {
        torch.manual_seed(11);
        using var model = ModelZoo.Create("resnet-small", 3, 5);
        model.train();
        using var scope = torch.NewDisposeScope();
        var pixels = torch.cat([TestPhotos.Load("chelsea", 32, 32), TestPhotos.Load("astronaut", 32, 32)], 0);
        var photos = s_range.FromUnit(pixels);
        var inversion = new RepresentationInversion(new InversionSettings { Steps = 60, LearningRate = 0.08, Seed = 2 });
        var layers = new[] { "stem", "layer3" };
        var results = layers.Select(l => inversion.Run(model, photos, l, s_range)).ToList();
        try
        {
            foreach (var result in results)
            {
                for (var i = 0; i < 2; i++)
                {
                    Assert.True(result.FinalDistance[i] < 0.5 * result.InitialDistance[i],
                        $"{result.Layer}, photo {i}: the distance went from {result.InitialDistance[i]} to only {result.FinalDistance[i]}");
                }
                var (lower, upper) = s_range.Bounds(result.Images);
                Assert.True((result.Images - lower).min().item<float>() >= -1e-6 && (upper - result.Images).min().item<float>() >= -1e-6);
            }
            var similarity = MapSimilarity.Ssim(results[0].ToUnitRange(), pixels);
            var noise = MapSimilarity.Ssim(torch.rand(pixels.shape), pixels);
            Assert.All(similarity, s => Assert.True(s > FirstBlockSsim, $"the first block's reconstruction has SSIM {s} with the photo (noise has {noise.Max()})"));
            Assert.All(model.modules(), m => Assert.True(m.training));
            Assert.Equal(0, model.modules().Sum(m => m.ForwardHookCount));
            Assert.All(model.parameters(), p => Assert.Null(p.grad));

            var grid = InversionGrid.Build(pixels, results, ["chelsea", "astronaut"], cellSize: 96);
            Assert.Equal(["photo", "stem", "layer3"], grid.ColumnLabels);
            Assert.Equal(2, grid.Rows);
            Assert.True(new FileInfo(TestArtifacts.Save(grid, "inversion-resnet-small")).Length > 1000);
        }
        finally
        {
            foreach (var result in results) result.Dispose();
        }
    }

    /// <summary>
    /// Measured on this test's two photos (untrained resnet-small, seed 11, 60 steps at 32x32): SSIM 0.990 (chelsea) and
    /// 0.940 (astronaut) from the stem, against 0.023 for uniform noise; the threshold leaves a margin below both.
    /// </summary>
    private const double FirstBlockSsim = 0.8;

    [Fact]
    public void BadSpecsAndLayersAreRefusedByName()
    {
        void Refused(string spec, string message) => Assert.Equal(message, Assert.Throws<ArgumentException>(() => InversionSettings.Parse(spec)).Message);
        Refused("invert@layer1(steps=0)", "'invert@layer1(steps=0)': steps must be a whole number from 1 to 100000, got '0'");
        Refused("invert@layer1(lr=0)", "'invert@layer1(lr=0)': lr must be a number more than 0 and at most 10, got '0'");
        Refused("invert@layer1(tv=-1)", "'invert@layer1(tv=-1)': tv must be a number from 0 to 1000, got '-1'");
        Refused("invert@layer1(gamma=2)", "'invert@layer1(gamma=2)': unknown setting 'gamma'; invert takes steps, lr, tv, beta, norm, alpha, noise, seed");
        Refused("deepdream@layer1", "'deepdream@layer1' is not an inversion spec: write invert@LAYER(steps=200,tv=0.5,norm=0.05)");
        var (layer, settings) = InversionSettings.Parse("invert@layer2(steps=30,lr=0.1,tv=1,beta=1.5,norm=0.1,alpha=4,noise=0.2,seed=3)");
        Assert.Equal("layer2", layer);
        Assert.Equal(new InversionSettings { Steps = 30, LearningRate = 0.1, TvWeight = 1, Beta = 1.5, NormWeight = 0.1, Alpha = 4, InitialNoise = 0.2, Seed = 3 }, settings);

        torch.manual_seed(12);
        using var model = ModelZoo.Create("resnet-small", 3, 5);
        using var scope = torch.NewDisposeScope();
        var photo = s_range.FromUnit(TestPhotos.Load("coffee", 16, 16));
        var missing = Assert.Throws<ArgumentException>(() => new RepresentationInversion(new InversionSettings { Steps = 1 }).Run(model, photo, "layer7", s_range));
        Assert.StartsWith("the model has no layer 'layer7'. Layers:", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepresentationInversion(new InversionSettings { Steps = 0 }));
        // The logits are a representation too: any layer's output can be inverted.
        using var logits = new RepresentationInversion(new InversionSettings { Steps = 20 }).Run(model, photo, "classifier", s_range);
        Assert.True(logits.FinalDistance[0] < logits.InitialDistance[0]);
    }
}
