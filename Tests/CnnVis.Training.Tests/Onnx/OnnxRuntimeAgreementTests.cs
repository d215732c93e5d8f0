using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace CnnVis.Training.Tests.Onnx;

/// <summary>CnnVis's ResNet-18, built from the ONNX files, against ONNX Runtime running the same two graphs on the same images.</summary>
public class OnnxRuntimeAgreementTests : IClassFixture<ImageNetResNet18Fixture>
{
    private const int Size = ImageNetResNet18.ImageSize;
    private readonly ImageNetResNet18Fixture _fixture;
    private readonly ITestOutputHelper _output;

    public OnnxRuntimeAgreementTests(ImageNetResNet18Fixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void PreprocessingAndFeaturesAgreeWithOnnxRuntime()
    {
        var images = ImageNetResNet18Fixture.TestImages();
        var length = 3 * Size * Size;
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var preprocessSession = new InferenceSession(_fixture.Files.Preprocess, options);
        using var backboneSession = new InferenceSession(_fixture.Files.Backbone, options);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var batch = torch.tensor(images, new long[] { 2, 3, Size, Size });
        var ourPreprocessed = _fixture.Model.Preprocess!.call(batch).data<float>().ToArray();
        var ourFeatures = _fixture.Model.PooledFeatures(batch).data<float>().ToArray();
        Assert.Equal(2 * 512, ourFeatures.Length);

        double worstPre = 0, worstFeature = 0, largestFeature = 0;
        for (var n = 0; n < 2; n++)
        {
            // ML.NET feeds the preprocessing graph pixel values 0..255 (its mean image lies near 100 to 130).
            var pixels = images.AsSpan(n * length, length).ToArray().Select(v => v * 255f).ToArray();
            var pre = Run(preprocessSession, pixels);
            var features = Run(backboneSession, pre);
            Assert.Equal(512, features.Length);
            for (var k = 0; k < length; k++) worstPre = Math.Max(worstPre, Math.Abs(pre[k] - ourPreprocessed[n * length + k]));
            for (var k = 0; k < 512; k++)
            {
                worstFeature = Math.Max(worstFeature, Math.Abs(features[k] - ourFeatures[n * 512 + k]));
                largestFeature = Math.Max(largestFeature, Math.Abs(features[k]));
            }
        }
        _output.WriteLine($"preprocessing: max |difference| {worstPre:G3}; features: max |difference| {worstFeature:G3}, largest |feature| {largestFeature:G3}");
        // The two images are not the same picture to the network: agreement is not agreement on a constant.
        Assert.True(largestFeature > 1, $"the features are all near zero ({largestFeature})");
        Assert.True(ourFeatures.Take(512).Zip(ourFeatures.Skip(512)).Max(p => Math.Abs(p.First - p.Second)) > 0.1);
        Assert.True(worstPre < 1e-3, $"the preprocessing differs from ONNX Runtime's by {worstPre}");
        Assert.True(worstFeature < 1e-4 * largestFeature + 1e-5, $"the features differ from ONNX Runtime's by {worstFeature} (largest feature {largestFeature})");
    }

    [Fact]
    public void TheNetworkIsTheFileWithEveryBatchNormKeptAsAModule()
    {
        var model = _fixture.Model;
        Assert.Equal(new[] { 2, 2, 2, 3 }, model.BlocksPerStage);
        Assert.Equal(22, model.modules().Count(m => m is Conv2d));
        Assert.Equal(22, model.modules().Count(m => m is BatchNorm2d));
        Assert.Equal(new[] { 2, 1, 0 }, model.Preprocess!.ChannelOrder);
        // What a filter picture needs to draw conv1's filters in the photo's colours.
        Assert.Equal(new[] { 2, 1, 0 }, model.FirstConvolutionChannels);
        Assert.Equal(new long[] { 1, 3, Size, Size }, model.Preprocess.Mean.shape);
        // ImageNet statistics came in: no batch norm kept the fresh module's zero mean and unit variance.
        foreach (var bn in model.modules().OfType<BatchNorm2d>())
        {
            Assert.NotEqual(0f, bn.running_mean!.abs().sum().item<float>());
            Assert.NotEqual(bn.NumFeatures, (long)Math.Round(bn.running_var!.sum().item<float>()));
        }
    }

    private static float[] Run(InferenceSession session, float[] chw)
    {
        var name = session.InputMetadata.Keys.Single();
        var input = new DenseTensor<float>(chw, [1, 3, Size, Size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, input)]);
        return results.Single().AsTensor<float>().ToArray();
    }
}
