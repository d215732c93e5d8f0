using System.Buffers.Binary;
using System.Text;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Images as an attacker (or a broken upload) would send them: sizes declared far beyond what the file holds,
/// truncated files, formats CnnVis does not read, and streams that never end.
/// </summary>
public class UntrustedImageTests
{
    /// <summary>A PNG whose header declares width x height grey pixels, followed by one tiny IDAT and IEND.</summary>
    internal static byte[] PngHeader(uint width, uint height)
    {
        var png = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth; colour type 0 (grey), no interlace
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", new byte[] { 0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 });
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    private static void Chunk(List<byte> png, string type, byte[] body)
    {
        var head = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)body.Length);
        png.AddRange(head);
        var typed = Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
        png.AddRange(typed);
        BinaryPrimitives.WriteUInt32BigEndian(head, Crc32(typed));
        png.AddRange(head);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A bottom-up 24-bit BMP of width x height pixels with varied values.</summary>
    internal static byte[] Bmp(int width, int height)
    {
        var row = (width * 24 + 31) / 32 * 4;
        var bmp = new byte[54 + row * height];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), row * height);
        for (var k = 54; k < bmp.Length; k++) bmp[k] = (byte)(1 + k * 7 % 250);
        return bmp;
    }

    /// <summary>A 2x2 GIF: black and white stripes, two-colour palette, LZW minimum code size 2.</summary>
    internal static readonly byte[] Gif =
    {
        (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 2, 0, 2, 0, 0x80, 0, 0,
        0, 0, 0, 0xFF, 0xFF, 0xFF,
        0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0,
        0x02, 0x03, 0x84, 0x1D, 0x05, 0x00,
        0x3B,
    };

    [Theory]
    [InlineData(20000u, 20000u)]
    [InlineData(30000u, 30000u)]
    [InlineData(8193u, 8193u)]
    public void ImagesDeclaringTooManyPixelsAreRefusedBeforeDecoding(uint width, uint height)
    {
        var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(PngHeader(width, height)));
        Assert.Equal($"the image is {width}x{height} = {(long)width * height} pixels, more than the limit of {torchvision.io.DefaultMaxPixels}",
            e.Message);
        // At the limit the header passes, and stb goes on to find that the pixel data is missing.
        var atLimit = Assert.Throws<TorchException>(() => torchvision.io.decode_image(PngHeader(8192, 8192)));
        Assert.StartsWith("cannot decode image: ", atLimit.Message);
    }

    [Fact]
    public void ThePixelLimitIsTheCallers()
    {
        using var scope = torch.NewDisposeScope();
        var png = torchvision.io.encode_png(torch.zeros(new long[] { 16, 16, 3 }, ScalarType.Byte));
        var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(png, maxPixels: 255));
        Assert.Equal("the image is 16x16 = 256 pixels, more than the limit of 255", e.Message);
        Assert.Equal(new long[] { 16, 16, 3 }, torchvision.io.decode_image(png, maxPixels: 256).shape);

        using var folder = Fixture.NewTempFolder();
        var path = folder.File("big.png");
        File.WriteAllBytes(path, PngHeader(20000, 20000));
        var fromFile = Assert.Throws<TorchException>(() => torchvision.io.read_image(path));
        Assert.StartsWith($"{path}: the image is 20000x20000", fromFile.Message);
    }

    [Fact]
    public void ABmpDecodesAndATruncatedOneIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        var bmp = Bmp(5, 4);
        var whole = torchvision.io.decode_image(bmp);
        Assert.Equal(new long[] { 4, 5, 3 }, whole.shape);
        // The last row in the file is the top row, stored blue-green-red.
        Assert.Equal(new[] { bmp[54 + 3 * 16 + 2], bmp[54 + 3 * 16 + 1], bmp[54 + 3 * 16] }, whole[0][0].data<byte>());

        // Cut anywhere inside the pixels: the missing ones used to read as black.
        foreach (var keep in new[] { bmp.Length - 1, bmp.Length - 16, 54 + 5 })
        {
            var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(bmp.AsSpan(0, keep)));
            Assert.Equal($"cannot decode image: the BMP is truncated: its pixels end at byte {bmp.Length}, the file has {keep}", e.Message);
        }
    }

    [Fact]
    public void AGifDecodesAndATruncatedOneIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 2, 2, 4 }, torchvision.io.decode_image(Gif).shape);
        foreach (var cut in new[] { 1, 4 })
        {
            var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(Gif.AsSpan(0, Gif.Length - cut)));
            Assert.Equal("cannot decode image: the GIF is truncated (it does not end with its trailer byte)", e.Message);
        }
    }

    [Fact]
    public void TruncatedPngAndJpegAreRefused()
    {
        using var scope = torch.NewDisposeScope();
        var jpeg = File.ReadAllBytes(Fixture.Path("quadrants.jpg"));
        foreach (var cut in new[] { 2, 10, 30 })
            Assert.StartsWith("cannot decode image: ", Assert.Throws<TorchException>(() => torchvision.io.decode_image(jpeg.AsSpan(0, jpeg.Length - cut))).Message);
        var png = torchvision.io.encode_png(torch.zeros(new long[] { 16, 16, 3 }, ScalarType.Byte));
        // Without IEND, and cut inside the image data.
        foreach (var keep in new[] { png.Length - 12, png.Length - 20 })
            Assert.StartsWith("cannot decode image: ", Assert.Throws<TorchException>(() => torchvision.io.decode_image(png.AsSpan(0, keep))).Message);
    }

    [Fact]
    public void AJpegHuffmanTableWithTooManyCodesIsRefusedBeforeStbReadsIt()
    {
        // Debian's stb 2.27 writes past its table when a DHT segment's 16 code counts add up to more than 256:
        // memory corruption (found by fuzz/run.sh image). Loaded in a child process, as it may corrupt the heap.
        var jpeg = File.ReadAllBytes(Fixture.Path("quadrants.jpg"));
        var dht = Enumerable.Range(0, jpeg.Length - 1).First(k => jpeg[k] == 0xFF && jpeg[k + 1] == 0xC4);
        for (var k = 0; k < 16; k++) jpeg[dht + 5 + k] = 0x11;  // 16 x 17 = 272 codes
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("dht.jpg");
        File.WriteAllBytes(path, jpeg);
        var message = LoadProbe.Refused("image", path, TimeSpan.FromSeconds(60));
        Assert.Equal($"{path}: cannot decode image: the JPEG has a Huffman table of 272 codes (at most 256)", message);
    }

    [Fact]
    public void APngChunkLongerThanTheFileIsRefusedBeforeStbAllocatesForIt()
    {
        // A 4x2 PNG whose IDAT declares 0x75000080 bytes: stb allocated 1.9 GB for it (found by fuzz/run.sh image).
        var png = PngHeader(4, 2);
        var idat = 8 + 25;  // after the signature and the IHDR chunk
        Assert.Equal("IDAT", Encoding.ASCII.GetString(png, idat + 4, 4));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(idat), 0x75000080);
        var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(png));
        Assert.Equal($"cannot decode image: the PNG is truncated: its IDAT chunk claims {0x75000080} bytes, {png.Length - idat - 12} remain", e.Message);

        var noEnd = PngHeader(4, 2)[..^12];
        Assert.Equal("cannot decode image: the PNG is truncated (it has no IEND chunk)",
            Assert.Throws<TorchException>(() => torchvision.io.decode_image(noEnd)).Message);
    }

    [Fact]
    public void FormatsOtherThanTheFourNamedAreRefused()
    {
        // stb also reads PNM, TGA, PSD, HDR and PIC; CnnVis promises PNG, JPEG, BMP and GIF, and exposes no more of stb.
        var ppm = Encoding.ASCII.GetBytes("P6\n2 1\n255\n").Concat(new byte[] { 1, 2, 3, 4, 5, 6 }).ToArray();
        var e = Assert.Throws<TorchException>(() => torchvision.io.decode_image(ppm));
        Assert.Equal("cannot decode image: not a PNG, JPEG, BMP or GIF file", e.Message);
    }

    [Fact]
    public void EndlessStreamsAreRefusedByName()
    {
        var zero = Assert.Throws<TorchException>(() => UntrustedCheckpointTests.RunWithin(() => torchvision.io.read_image("/dev/zero")));
        Assert.Equal("/dev/zero: not a regular file (a device, FIFO or socket), so its size is unknown", zero.Message);
        using var folder = Fixture.NewTempFolder();
        var fifo = folder.File("fifo.png");
        UntrustedCheckpointTests.MakeFifo(fifo);
        var e = Assert.Throws<TorchException>(() => UntrustedCheckpointTests.RunWithin(() => torchvision.io.read_image(fifo)));
        Assert.Equal($"{fifo}: not a regular file (a device, FIFO or socket), so its size is unknown", e.Message);
    }
}
