using System.Text;
using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class RenderingTests
{
    [Fact]
    public void ColormapsHaveTheirKnownEnds()
    {
        Assert.Equal(((byte)0, (byte)0, (byte)128), Colormap.Jet.ColourOf(0));
        Assert.Equal(((byte)128, (byte)0, (byte)0), Colormap.Jet.ColourOf(1));
        Assert.Equal(((byte)0x44, (byte)0x01, (byte)0x54), Colormap.Viridis.ColourOf(0));
        Assert.Equal(((byte)0xfd, (byte)0xe7, (byte)0x25), Colormap.Viridis.ColourOf(1));
        Assert.Equal(((byte)0x00, (byte)0x00, (byte)0x04), Colormap.Inferno.ColourOf(0));
        Assert.Equal(((byte)0xfc, (byte)0xff, (byte)0xa4), Colormap.Inferno.ColourOf(1));
        Assert.Equal(((byte)0, (byte)0, (byte)0), Colormap.Grey.ColourOf(0));
        Assert.Equal(((byte)255, (byte)255, (byte)255), Colormap.Grey.ColourOf(1));
        Assert.Equal(((byte)128, (byte)128, (byte)128), Colormap.Grey.ColourOf(0.5));
        // Jet's middle is green-yellow-ish: green full, red and blue partial.
        var (r, g, b) = Colormap.Jet.ColourOf(0.5);
        Assert.Equal(255, g);
        Assert.InRange(r, 100, 160);
        Assert.InRange(b, 100, 160);
        // Out of range and NaN are clipped, not errors.
        Assert.Equal(Colormap.Viridis.ColourOf(0), Colormap.Viridis.ColourOf(-3));
        Assert.Equal(Colormap.Viridis.ColourOf(1), Colormap.Viridis.ColourOf(7));
        Assert.Equal(Colormap.Viridis.ColourOf(0), Colormap.Viridis.ColourOf(double.NaN));
        Assert.Same(Colormap.Grey, Colormap.FromName("Gray"));
        var e = Assert.Throws<ArgumentException>(() => Colormap.FromName("rainbow"));
        Assert.Contains("jet, viridis, inferno, grey", e.Message);
    }

    [Fact]
    public void ApplyingAColormapToATensorGivesTheSameColoursAsOneByOne()
    {
        var values = new float[] { 0, 0.1f, 0.25f, 0.5f, 0.77f, 1, float.NaN, 2 };
        using var t = torch.tensor(values, new long[] { 2, 4 });
        foreach (var map in Colormap.All)
        {
            using var coloured = map.Apply(t);
            Assert.Equal(new long[] { 2, 4, 3 }, coloured.shape);
            Assert.Equal(ScalarType.Byte, coloured.dtype);
            var bytes = coloured.data<byte>();
            for (var k = 0; k < values.Length; k++)
            {
                var (r, g, b) = map.ColourOf(values[k]);
                Assert.Equal(new[] { r, g, b }, bytes[(3 * k)..(3 * k + 3)]);
            }
        }
    }

    [Fact]
    public void NormalisationIsPerMapOrSharedAcrossTheSet()
    {
        using var maps = torch.tensor(new float[] { 0, 1, 2, 4, 10, 20, 30, 50 }, new long[] { 2, 2, 2 });
        using var perMap = MapNormalization.PerMap.Apply(maps);
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 1, 0, 0.25f, 0.5f, 1 }, perMap.data<float>());
        using var shared = MapNormalization.Shared.Apply(maps);
        Assert.Equal(new double[] { 0, 0.02, 0.04, 0.08, 0.2, 0.4, 0.6, 1 }, Assertions.Values(shared).Select(v => Math.Round(v, 5)));
        using var signed = torch.tensor(new float[] { -2, 1, 0, 4 }, new long[] { 1, 4 });
        using var symmetric = new MapNormalization(Symmetric: true).Apply(signed);
        Assert.Equal(new float[] { 0.25f, 0.625f, 0.5f, 1 }, symmetric.data<float>());
        using var flat = torch.full(new long[] { 1, 3 }, 7);
        using var constant = MapNormalization.PerMap.Apply(flat);
        Assert.Equal(new float[] { 0, 0, 0 }, constant.data<float>());
        // Two methods' maps on one scale: the weaker set stays weaker.
        using var weak = torch.tensor(new float[] { 0, 1 }, new long[] { 1, 2 });
        using var strong = torch.tensor(new float[] { 0, 4 }, new long[] { 1, 2 });
        var together = MapNormalization.Shared.Apply(new[] { weak, strong });
        Assert.Equal(new float[] { 0, 0.25f }, together[0].data<float>());
        Assert.Equal(new float[] { 0, 1 }, together[1].data<float>());
        foreach (var t in together) t.Dispose();
    }

    [Fact]
    public void OverlayBlendsImageAndColourByAlpha()
    {
        using var image = torch.full(new long[] { 1, 2, 2 }, 0.4);
        using var heat = torch.tensor(new float[] { 0, 0.5f, 0.9f, 1 }, new long[] { 2, 2 });
        using var none = Overlay.Blend(image, heat, Colormap.Jet, alpha: 0);
        Assert.Equal(new long[] { 2, 2, 3 }, none.shape);
        Assert.All(none.data<byte>(), v => Assert.Equal(102, v));
        using var all = Overlay.Blend(image, heat, Colormap.Jet, alpha: 1);
        using var colours = Colormap.Jet.Apply(heat);
        Assert.Equal(colours.data<byte>(), all.data<byte>());
        // In between: (1 − α) · image + α · colour, to two levels (Skia composites in 8 bits, α included).
        torch.manual_seed(52);
        using var texture = torch.rand(new long[] { 3, 8, 8 });
        using var noise = torch.rand(new long[] { 8, 8 });
        using var below = Pixels.FromUnitRange(texture);
        using var above = Colormap.Jet.Apply(noise);
        var (b, a) = (below.data<byte>(), above.data<byte>());
        foreach (var alpha in new[] { 0.1, 0.25, 0.5, 0.8, 0.95 })
        {
            using var blended = Overlay.Blend(texture, noise, Colormap.Jet, alpha);
            var got = blended.data<byte>();
            for (var k = 0; k < got.Length; k++)
            {
                var expected = (1 - alpha) * b[k] + alpha * a[k];
                Assert.True(Math.Abs(got[k] - expected) <= 2, $"alpha {alpha}, channel value {k}: {got[k]}, expected {expected:0.0}");
            }
        }
        // A batch blends each image with its own map: the same as one at a time.
        using var two = torch.stack(new[] { image, image * 2 });
        using var heats = torch.stack(new[] { heat, 1 - heat });
        using var batch = Overlay.Blend(two, heats, Colormap.Viridis, 0.6);
        Assert.Equal(new long[] { 2, 2, 2, 3 }, batch.shape);
        using var second = Overlay.Blend(two.select(0, 1), heats.select(0, 1), Colormap.Viridis, 0.6);
        using var secondOfBatch = batch.select(0, 1);
        Assert.True(second.equal(secondOfBatch));
        using var wrong = torch.zeros(new long[] { 3, 3 });
        Assert.Throws<ArgumentException>(() => Overlay.Blend(image, wrong, Colormap.Jet));
        Assert.Throws<ArgumentOutOfRangeException>(() => Overlay.Blend(image, heat, Colormap.Jet, 1.5));
    }

    [Fact]
    public void ARenderedExplanationRoundTripsThroughPng()
    {
        torch.manual_seed(50);
        using var model = new TinyCnn();
        using var x = torch.rand(new long[] { 2, 1, 8, 8 });
        using var map = new GradCam().Explain(model, x, PredictedClass.Instance);
        using var heat = MapNormalization.PerMap.Apply(map);
        using var overlays = Overlay.Blend(x, heat, Colormap.Viridis, alpha: 0.6);
        Assert.Equal(new long[] { 2, 8, 8, 3 }, overlays.shape);
        using var first = overlays.select(0, 0);
        var png = PngFile.Encode(first);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        using var decoded = torchvision.io.decode_image(png);
        Assert.True(decoded.equal(first), "PNG is lossless");
        using var floats = torch.zeros(new long[] { 4, 4, 3 });
        var e = Assert.Throws<ArgumentException>(() => PngFile.Encode(floats));
        Assert.Contains("uint8", e.Message);
    }

    [Fact]
    public void PngsKeepTheirChannelsGreyRgbOrRgba()
    {
        torch.manual_seed(51);
        foreach (var (channels, colourType) in new[] { (1, 0), (3, 2), (4, 6) })
        {
            using var pixels = torch.randint(256, new long[] { 5, 7, channels }, ScalarType.Byte);
            var png = PngFile.Encode(pixels);
            // IHDR: width and height big-endian at 16 and 20, bit depth at 24, colour type at 25.
            Assert.Equal(7, png[19]);
            Assert.Equal(5, png[23]);
            Assert.Equal(8, png[24]);
            Assert.Equal(colourType, png[25]);
            // Decoded by the engine's own reader (stb): the same pixels, alpha not premultiplied.
            using var decoded = torchvision.io.decode_image(png);
            Assert.True(decoded.equal(pixels), $"{channels}-channel PNG did not round-trip");
        }
        using var strided = torch.randint(256, new long[] { 3, 6, 4 }, ScalarType.Byte);
        using var wide = strided.permute(1, 0, 2);
        using var back = torchvision.io.decode_image(PngFile.Encode(wide));
        Assert.True(back.equal(wide), "a non-contiguous tensor is written as it reads");
        using var fiveChannels = torch.zeros(new long[] { 2, 2, 5 }, ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => PngFile.Encode(fiveChannels));
        using var empty = torch.zeros(new long[] { 0, 2, 3 }, ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => PngFile.Encode(empty));
    }

    [Fact]
    public void NpyHeaderIsNumPysVersionOneFormat()
    {
        using var map = torch.tensor(new float[] { 1, -2, 0.5f, 3, 4, 5 }, new long[] { 2, 3 });
        var bytes = NpyFile.Encode(map);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        var headerLength = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal("", header[61..^1].Trim(' '));
        Assert.Equal(10 + headerLength + 6 * 4, bytes.Length);
        // Values follow, little-endian float32 in C order: 1.0f is 00 00 80 3F, -2.0f is 00 00 00 C0.
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, bytes[(10 + headerLength)..(18 + headerLength)]);
        using var back = NpyFile.Decode(bytes);
        Assert.True(back.equal(map));

        using var vector = torch.tensor(new float[] { 1, 2, 3, 4, 5 });
        var one = Encoding.ASCII.GetString(NpyFile.Encode(vector), 10, 60);
        Assert.Contains("'shape': (5,)", one);
        using var doubles = torch.tensor(new double[] { 0.25, 8 }, new long[] { 1, 2 });
        using var narrowed = NpyFile.Decode(NpyFile.Encode(doubles));
        Assert.Equal(new float[] { 0.25f, 8 }, narrowed.data<float>());
        Assert.Throws<FormatException>(() => NpyFile.Decode(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }));
    }
}
