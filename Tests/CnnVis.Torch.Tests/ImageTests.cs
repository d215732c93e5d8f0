namespace CnnVis.Torch.Tests;

/// <summary>torchvision.io: PNG encode/decode round trips and decoding a JPEG made by Pillow.</summary>
public class ImageTests
{
    /// <summary>An [h, w, c] uint8 image (or [h, w] when c is 0) with varied values.</summary>
    private static Tensor Pattern(long h, long w, long c)
    {
        var data = new byte[h * w * Math.Max(c, 1)];
        for (var k = 0; k < data.Length; k++) data[k] = (byte)(k * 37 % 251);
        return torch.tensor(data, c == 0 ? new[] { h, w } : new[] { h, w, c });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PngRoundTripIsLossless(int channels)
    {
        using var scope = torch.NewDisposeScope();
        var image = Pattern(5, 7, channels);
        var png = torchvision.io.encode_png(image);
        // The PNG signature: 0x89 'P' 'N' 'G' CR LF 0x1A LF.
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png.Take(8));
        var decoded = torchvision.io.decode_image(png);
        Assert.Equal(ScalarType.Byte, decoded.dtype);
        Assert.Equal(new long[] { 5, 7, channels }, decoded.shape);
        Assert.Equal(image.data<byte>(), decoded.data<byte>());
    }

    [Fact]
    public void PngOfATwoDimensionalImageIsGrey()
    {
        using var scope = torch.NewDisposeScope();
        var image = Pattern(3, 4, 0);
        var decoded = torchvision.io.decode_image(torchvision.io.encode_png(image));
        Assert.Equal(new long[] { 3, 4, 1 }, decoded.shape);
        Assert.Equal(image.data<byte>(), decoded.data<byte>());
    }

    [Fact]
    public void PngOfANonContiguousViewEncodesItsValues()
    {
        using var scope = torch.NewDisposeScope();
        var chw = Pattern(3, 4, 5).permute(2, 0, 1);        // [5, 3, 4]
        var hwc = chw.permute(1, 2, 0).narrow(2, 1, 3);      // channels 1..3 of the original, a strided view
        var decoded = torchvision.io.decode_image(torchvision.io.encode_png(hwc));
        Assert.Equal(hwc.contiguous().data<byte>(), decoded.data<byte>());
    }

    [Fact]
    public void DecodeConvertsChannels()
    {
        using var scope = torch.NewDisposeScope();
        // Pure red, green, blue and white pixels.
        var rgb = torch.tensor(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255 }, new long[] { 1, 4, 3 });
        var png = torchvision.io.encode_png(rgb);
        var grey = torchvision.io.decode_image(png, channels: 1);
        Assert.Equal(new long[] { 1, 4, 1 }, grey.shape);
        var g = grey.data<byte>();
        // Luma weighs green most, then red, then blue; white stays white.
        Assert.True(g[1] > g[0] && g[0] > g[2], $"grey levels {string.Join(", ", g)}");
        Assert.InRange((int)g[0], 70, 82);
        Assert.InRange((int)g[1], 145, 155);
        Assert.InRange((int)g[2], 25, 35);
        Assert.Equal(255, g[3]);
        var rgba = torchvision.io.decode_image(png, channels: 4);
        Assert.Equal(new long[] { 1, 4, 4 }, rgba.shape);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255 }, rgba.data<byte>());
        var fromGrey = torchvision.io.decode_image(torchvision.io.encode_png(torch.tensor(new byte[] { 10, 200 }, new long[] { 1, 2 })), channels: 3);
        Assert.Equal(new byte[] { 10, 10, 10, 200, 200, 200 }, fromGrey.data<byte>());
    }

    [Fact]
    public void DecodesAJpegMadeByPillow()
    {
        using var scope = torch.NewDisposeScope();
        // quadrants.jpg: 32x32, red | green over blue | white, saved by Pillow at quality 90.
        var image = torchvision.io.read_image(Fixture.Path("quadrants.jpg"));
        Assert.Equal(ScalarType.Byte, image.dtype);
        Assert.Equal(new long[] { 32, 32, 3 }, image.shape);
        void Near(long y, long x, int r, int g, int b)
        {
            var px = image[y, x].data<byte>();
            Assert.True(Math.Abs(px[0] - r) <= 12 && Math.Abs(px[1] - g) <= 12 && Math.Abs(px[2] - b) <= 12,
                $"pixel ({y}, {x}) is ({px[0]}, {px[1]}, {px[2]}), expected about ({r}, {g}, {b})");
        }
        Near(8, 8, 255, 0, 0);
        Near(8, 24, 0, 255, 0);
        Near(24, 8, 0, 0, 255);
        Near(24, 24, 255, 255, 255);
        Near(2, 2, 255, 0, 0);
        Near(29, 29, 255, 255, 255);
        Assert.Equal(new long[] { 32, 32, 1 }, torchvision.io.decode_image(File.ReadAllBytes(Fixture.Path("quadrants.jpg")), 1).shape);
    }

    [Fact]
    public void WritePngThenReadImage()
    {
        using var scope = torch.NewDisposeScope();
        using var folder = Fixture.NewTempFolder();
        var image = Pattern(6, 2, 3);
        var path = folder.File("p.png");
        torchvision.io.write_png(image, path);
        Assert.Equal(image.data<byte>(), torchvision.io.read_image(path).data<byte>());
    }
}
