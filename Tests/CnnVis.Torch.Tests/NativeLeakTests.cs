namespace CnnVis.Torch.Tests;

/// <summary>
/// Error paths free what they made: counted on the native side (<see cref="Tensor.NativeLiveCount"/>, decoded
/// pixel buffers), since a handle made inside a failing call never reaches C#'s own count.
/// </summary>
[Collection(SerialCollection.Name)]
public class NativeLeakTests
{
    [Fact]
    public void AResultThatCannotBeReadFreesTheResultsBeforeIt()
    {
        // The operator returns (a fresh tensor, a string); the binding reads the tensor, then fails on the string.
        var op = Op.Find("cnnvis::_binding_test_tensor_and_text");
        using var x = torch.ones(new long[] { 64 });
        var before = Tensor.NativeLiveCount;
        for (var k = 0; k < 10; k++)
        {
            var e = Assert.Throws<TorchException>(() => op.Invoke(x));
            Assert.Contains("returned a String, which the C# binding does not read", e.Message);
        }
        Assert.Equal(before, Tensor.NativeLiveCount);
    }

    [Fact]
    public void TheNativeCountSeesEveryHandle()
    {
        var before = Tensor.NativeLiveCount;
        var t = torch.zeros(new long[] { 3 });
        Assert.Equal(before + 1, Tensor.NativeLiveCount);
        t.Dispose();
        Assert.Equal(before, Tensor.NativeLiveCount);
    }

    [Fact]
    public void DecodedPixelsLiveExactlyAsLongAsTheirTensor()
    {
        using var scope = torch.NewDisposeScope();
        var png = torchvision.io.encode_png(torch.zeros(new long[] { 8, 8, 3 }, ScalarType.Byte));
        var before = torchvision.io.LiveDecodedImages;
        var image = torchvision.io.decode_image(png);
        Assert.Equal(before + 1, torchvision.io.LiveDecodedImages);
        using (var copy = image.to(ScalarType.Float32)) Assert.Equal(0f, copy.sum().item<float>());
        image.Dispose();
        Assert.Equal(before, torchvision.io.LiveDecodedImages);

        // Decodes that fail leave nothing behind.
        for (var k = 0; k < 5; k++)
        {
            Assert.Throws<TorchException>(() => torchvision.io.decode_image(png, channels: 3, maxPixels: 63));
            Assert.Throws<TorchException>(() => torchvision.io.decode_image(png.AsSpan(0, png.Length / 2)));
            Assert.Throws<TorchException>(() => torchvision.io.decode_image(UntrustedImageTests.Bmp(4, 4).AsSpan(0, 60)));
        }
        Assert.Equal(before, torchvision.io.LiveDecodedImages);
    }
}
