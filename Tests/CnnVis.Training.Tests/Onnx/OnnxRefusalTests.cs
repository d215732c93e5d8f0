using System.Text;
using CnnVis.Training.Models;
using CnnVis.Training.Onnx;

namespace CnnVis.Training.Tests.Onnx;

/// <summary>ONNX files that are damaged, or are not the ResNet-18 expected, are refused with a message naming the file and what differs.</summary>
public class OnnxRefusalTests : IClassFixture<ImageNetResNet18Fixture>
{
    private const string Source = "test.onnx";
    private readonly ImageNetResNet18Fixture _fixture;

    public OnnxRefusalTests(ImageNetResNet18Fixture fixture) => _fixture = fixture;

    [Fact]
    public void TheUntouchedFileIsReadWithEveryNodeUsed()
    {
        var backbone = ResNet18Graph.Read(OnnxReader.Parse(_fixture.BackboneBytes, Source));
        Assert.Equal(new[] { 2, 2, 2, 3 }, backbone.BlocksPerStage);
        // 22 convolutions, 22 batch norms of 4 tensors each.
        Assert.Equal(22 + 22 * 4, backbone.Weights.Count);
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(_fixture.BackboneBytes.AsSpan(0, _fixture.BackboneBytes.Length / 2), Source));
        Assert.StartsWith($"{Source}: ", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GarbageBytesAreRefused(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(bytes, Source));
        Assert.StartsWith($"{Source}: ", e.Message);
    }

    [Fact]
    public void TextIsNotAModel()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(Encoding.ASCII.GetBytes("this is not an onnx model"), Source));
        Assert.StartsWith($"{Source}: ", e.Message);
    }

    [Fact]
    public void AFileFromDiskThatIsEmptyIsRefusedNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cnnvis-empty-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(path));
            Assert.Equal($"{path}: the file is empty, not an ONNX model", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AWrongOperatorIsRefusedNamingTheLayer()
    {
        // The first ReLU (after the stem's batch norm) becomes a Tanh: op_type is field 4, a 4-byte string.
        var bytes = Patch(Field(4, "Relu"), Field(4, "Tanh"));
        var e = Assert.Throws<OnnxFormatException>(() => ResNet18Graph.Read(OnnxReader.Parse(bytes, Source)));
        Assert.Equal($"{Source}: not the expected ResNet-18 graph: relu: expected a Relu reading 'BatchNormalization251_Output_0'; found Tanh", e.Message);
    }

    [Fact]
    public void AWeightOfTheWrongShapeIsRefusedNamingTheLayer()
    {
        // The stem's weights [64, 3, 7, 7] relabelled [32, 6, 7, 7]: the same number of floats, so the file still parses.
        byte[] dims = [0x08, 64, 0x08, 3, 0x08, 7, 0x08, 7];
        byte[] wrong = [0x08, 32, 0x08, 6, 0x08, 7, 0x08, 7];
        var bytes = Patch(dims, wrong);
        var e = Assert.Throws<OnnxFormatException>(() => ResNet18Graph.Read(OnnxReader.Parse(bytes, Source)));
        Assert.Equal($"{Source}: not the expected ResNet-18 graph: conv1: the weights 'Parameter91' have shape [32, 6, 7, 7], expected [64, 3, 7, 7]", e.Message);
    }

    [Fact]
    public void AMissingInitializerIsRefusedNamingIt()
    {
        // The initializer's own name (TensorProto field 8) changes; the Conv still reads 'Parameter91'.
        var bytes = Patch(Field(8, "Parameter91"), Field(8, "Parameter9X"));
        var e = Assert.Throws<OnnxFormatException>(() => ResNet18Graph.Read(OnnxReader.Parse(bytes, Source)));
        Assert.Equal($"{Source}: not the expected ResNet-18 graph: conv1: the weights 'Parameter91' are missing from the initializers", e.Message);
    }

    [Fact]
    public void AWrongStrideIsRefusedNamingTheLayer()
    {
        // The stem's strides [2, 2] (attribute field 8, two packed-as-repeated ints) become [1, 1].
        var name = Field(1, "strides");
        byte[] ints = [0x40, 2, 0x40, 2];
        var bytes = Patch([.. name, .. ints], [.. name, 0x40, 1, 0x40, 1]);
        var e = Assert.Throws<OnnxFormatException>(() => ResNet18Graph.Read(OnnxReader.Parse(bytes, Source)));
        Assert.Equal($"{Source}: not the expected ResNet-18 graph: conv1: the Conv's strides is [1, 1], expected [2, 2]", e.Message);
    }

    [Fact]
    public void ALengthPastTheEndIsRefusedWithoutAllocatingIt()
    {
        // A graph field (7) claiming 2 GB in a file of a few bytes.
        byte[] bytes = [0x08, 0x03, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(bytes, Source));
        Assert.Equal($"{Source}: a field claims 2147483647 bytes but only 1 remain (the file is truncated or corrupt)", e.Message);
    }

    [Fact]
    public void ThePreprocessingGraphIsReadAsRgbToBgrMinusAMeanImage()
    {
        var transform = ResNetPreprocessGraph.Read(OnnxReader.Read(_fixture.Files.Preprocess));
        Assert.Equal(new[] { 2, 1, 0 }, transform.ChannelOrder);
        Assert.Equal(new long[] { 1, 3, 224, 224 }, transform.Mean.Dims);
        // The backbone's graph is not a preprocessing graph, and is refused as one.
        var e = Assert.Throws<OnnxFormatException>(() => ResNetPreprocessGraph.Read(OnnxReader.Parse(_fixture.BackboneBytes, Source)));
        Assert.StartsWith($"{Source}: not the expected ResNet preprocessing graph: expected the nodes Split, Concat, Sub; found Conv, ", e.Message);
    }

    [Fact]
    public void TheZooRefusesGreyImages()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create(ImageNetResNet18.ZooName, 1, 2));
        Assert.Equal("resnet18-imagenet reads RGB images (3 channels), but the data has 1", e.Message);
    }

    // A length-delimited protobuf field holding an ASCII string.
    private static byte[] Field(int field, string text) => [(byte)(field << 3 | 2), (byte)text.Length, .. Encoding.ASCII.GetBytes(text)];

    // The file with the first occurrence of `find` replaced by `replacement` (of the same length).
    private byte[] Patch(byte[] find, byte[] replacement)
    {
        Assert.Equal(find.Length, replacement.Length);
        var bytes = (byte[])_fixture.BackboneBytes.Clone();
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the pattern to patch is not in the file");
        replacement.CopyTo(bytes, at);
        return bytes;
    }
}
