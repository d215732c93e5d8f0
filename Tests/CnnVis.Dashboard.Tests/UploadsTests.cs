using CnnVis.Dashboard.Analysis;
using CnnVis.Torch;

namespace CnnVis.Dashboard.Tests;

/// <summary>Uploads are checked by content: size, magic bytes, an actual decode under a pixel limit, a state_dict that fits.</summary>
public sealed class UploadsTests
{
    private static byte[] Png(int height, int width, int channels, byte value = 90)
    {
        using var pixels = torch.full(new long[] { height, width, channels }, value, ScalarType.Byte);
        return torchvision.io.encode_png(pixels);
    }

    [Fact]
    public void APngIsDecodedToTheChannelsAsked()
    {
        var image = Uploads.DecodeImage("shirt.png", Png(20, 30, 3), channels: 1);
        Assert.Equal(("shirt.png", 20, 30, 1), (image.FileName, image.Height, image.Width, image.Channels));
        Assert.Equal(600, image.Pixels.Length);
        Assert.All(image.Pixels, p => Assert.Equal(90, p));
    }

    [Fact]
    public void AFileThatIsNotAnImageIsRefusedByItsContentWhateverItsName()
    {
        var e = Assert.Throws<UploadRefusedException>(() => Uploads.DecodeImage("notes.png", "just some text, not a picture"u8, 3));
        Assert.Equal("notes.png: not a PNG or JPEG image (its content does not start like one); upload a .png or .jpg picture", e.Message);
    }

    [Fact]
    public void ATruncatedPngIsRefusedWithTheDecodersReason()
    {
        var png = Png(40, 40, 3);
        var e = Assert.Throws<UploadRefusedException>(() => Uploads.DecodeImage("cut.png", png.AsSpan(0, png.Length / 2), 3));
        Assert.StartsWith("cut.png: the image cannot be decoded: ", e.Message);
    }

    [Fact]
    public void AnImageOverTheSizeOrPixelLimitIsRefused()
    {
        var png = Png(10, 10, 1);
        var big = Assert.Throws<UploadRefusedException>(() => Uploads.DecodeImage("big.png", png, 1, limit: png.Length - 1));
        Assert.Equal($"big.png is {png.Length} bytes: uploads are limited to 0 MB ({png.Length - 1} bytes)", big.Message);
        // 4097 × 4097 grey: a small file (it compresses well) declaring more pixels than the limit.
        var wide = Png(4097, 4097, 1, 0);
        Assert.True(wide.Length < Uploads.DefaultLimitBytes);
        var e = Assert.Throws<UploadRefusedException>(() => Uploads.DecodeImage("wide.png", wide, 1));
        Assert.StartsWith("wide.png: the image cannot be decoded: ", e.Message);
        Assert.Contains("16785409", e.Message.Replace(",", "", StringComparison.Ordinal));
    }

    [Fact]
    public void AStateDictMustBeAZipThatFitsTheChosenZooModel()
    {
        var good = CheckpointFiles.StateDict("fashionnet", 3, seed: 1);
        var model = Uploads.CheckModel("net.pt", good, "FashionNet", CheckpointFiles.Channels, 3);
        Assert.Equal("fashionnet", model.Model);

        var text = Assert.Throws<UploadRefusedException>(() => Uploads.CheckModel("net.pt", "not a zip"u8.ToArray(), "fashionnet", 3, 3));
        Assert.Equal("net.pt: not a PyTorch state_dict .pt (torch.save writes a zip archive; this file does not start like one)", text.Message);

        var other = Assert.Throws<UploadRefusedException>(() => Uploads.CheckModel("vgg.pt", CheckpointFiles.StateDict("vgg-small", 3, 1), "fashionnet", 3, 3));
        Assert.StartsWith("vgg.pt: the state dict does not fit", other.Message);

        var broken = good.AsSpan(0, good.Length / 2).ToArray();
        var cut = Assert.Throws<UploadRefusedException>(() => Uploads.CheckModel("cut.pt", broken, "fashionnet", 3, 3));
        Assert.StartsWith("cut.pt: not a readable state_dict: ", cut.Message);

        var zoo = Assert.Throws<UploadRefusedException>(() => Uploads.CheckModel("net.pt", good, "alexnet", 3, 3));
        Assert.Equal("unknown model 'alexnet'; the zoo has fashionnet, vgg-small, resnet-small, resnet18-imagenet", zoo.Message);
    }
}
