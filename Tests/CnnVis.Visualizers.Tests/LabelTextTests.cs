using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Tests;

public class LabelTextTests
{
    [Fact]
    public void LabelsAreDejaVuSansFromTheSystemsFonts()
    {
        Assert.Equal(LabelFont.Family, LabelFont.Primary.FamilyName);
        using var font = new LabelFont(14);
        Assert.True(font.CanDraw("Ankle boot → Sneaker 0.83 × …"));
        // A wider text is measured wider, and the same text at twice the size twice as wide.
        Assert.True(font.Measure("Sneakers") > font.Measure("Sneaker"));
        using var doubled = new LabelFont(28);
        Assert.InRange(doubled.Measure("Ankle boot") / font.Measure("Ankle boot"), 1.9, 2.1);
        Assert.Equal(0, font.Measure(""));
    }

    [Fact]
    public void AFontFileOrAMissingFamilyIsHandledAndABadOneNamed()
    {
        var serif = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf";
        Assert.Equal("DejaVu Serif", LabelFont.Resolve(serif, LabelFont.Family).FamilyName);
        // A family that is not installed: fontconfig's nearest font that writes Latin text, not an error.
        using (var fallback = new SkiaSharp.SKFont(LabelFont.Resolve(null, "No Such Family 4711"), 12))
            Assert.True(fallback.ContainsGlyphs("Aa0"));
        var missing = Path.Combine(Path.GetTempPath(), $"cnnvis-no-font-{Guid.NewGuid():N}.ttf");
        var e = Assert.Throws<MissingFontException>(() => LabelFont.Resolve(missing, LabelFont.Family));
        Assert.Equal($"CNNVIS_FONT={missing}: no such file", e.Message);
        var notAFont = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notAFont, "this is not a font");
            var bad = Assert.Throws<MissingFontException>(() => LabelFont.Resolve(notAFont, LabelFont.Family));
            Assert.Equal($"CNNVIS_FONT={notAFont}: not a font file Skia can read (give a .ttf or .otf)", bad.Message);
        }
        finally
        {
            File.Delete(notAFont);
        }
    }

    [Fact]
    public void ACharacterDejaVuSansLacksIsDrawnWithAnotherInstalledFont()
    {
        using var font = new LabelFont(14);
        // U+02EF (modifier letter low down arrowhead) is in DejaVu Serif, not in DejaVu Sans (fonts-dejavu-core).
        var typeface = font.TypefaceFor(0x02EF);
        Assert.NotEqual(LabelFont.Family, typeface.FamilyName);
        using var other = new SkiaSharp.SKFont(typeface, 14);
        Assert.True(other.ContainsGlyph(0x02EF));
        Assert.True(font.CanDraw("a\u02EFb"));
        // A private-use character no font has: reported, and still measured (as the missing-glyph box).
        Assert.False(font.CanDraw("a\uE123"));
        Assert.True(font.Measure("a\uE123") > font.Measure("a"));
    }

    [Fact]
    public void NonAsciiClassNamesAreDrawnAsTheirOwnLetters()
    {
        // The old 5×7 font drew every non-ASCII letter as '?': two names in another script would look alike.
        using var cell = torch.zeros(new long[] { 4, 4, 3 }, ScalarType.Byte);
        Tensor Render(string label)
        {
            var grid = new ImageGrid(new[] { "input" }, cellSize: 96);
            grid.AddRow(label, new[] { cell });
            return grid.Render();
        }
        using var skirt = Render("Юбка");
        using var coat = Render("Шуба");
        using var unknown = Render("????");
        Assert.NotEmpty(RenderedPicture.Differences(new RenderedPicture(skirt), new RenderedPicture(coat)));
        Assert.NotEmpty(RenderedPicture.Differences(new RenderedPicture(skirt), new RenderedPicture(unknown)));
        using var accented = Render("Größe");
        using var plain = Render("Grosse");
        Assert.NotEmpty(RenderedPicture.Differences(new RenderedPicture(accented), new RenderedPicture(plain)));
    }

    [Fact]
    public void TextIsAntialiasedInTheTextColour()
    {
        using var cell = torch.zeros(new long[] { 4, 4, 3 }, ScalarType.Byte);
        var grid = new ImageGrid(new[] { "input" }, cellSize: 160);
        grid.AddRow("Ankle boot → Sneaker 0.83", new[] { cell });
        using var pixels = grid.Render();
        var band = new RenderedPicture(pixels).In(grid.RowLabelRect(0)).Select(p => p.colour).Where(c => c != ImageGrid.Background).ToList();
        Assert.True(band.Count > 100, $"only {band.Count} pixels of text");
        // Every text pixel lies between the background and the text colour (grey on white), ...
        Assert.All(band, c =>
        {
            Assert.Equal(c.R, c.G);
            Assert.Equal(c.G, c.B);
            Assert.InRange(c.R, ImageGrid.TextColour.R, ImageGrid.Background.R);
        });
        // ... stems are fully covered, and edges are blended (antialiasing), not all-or-nothing as a bitmap font's.
        Assert.InRange(band.Min(c => c.R), ImageGrid.TextColour.R, ImageGrid.TextColour.R + 10);
        Assert.True(band.Count(c => c.R > ImageGrid.TextColour.R + 40 && c.R < ImageGrid.Background.R - 40) > 20, "no blended edge pixels");
    }

    [Fact]
    public void TextWrapsAtSpacesHyphensAndParenthesesWithinTheWidth()
    {
        using var font = new LabelFont(14);
        Assert.Equal(new[] { "guided-", "backprop-", "negative" }, font.Wrap("guided-backprop-negative", font.Measure("backprop-")));
        Assert.Equal(new[] { "smoothgrad", "(saliency)" }, font.Wrap("smoothgrad(saliency)", font.Measure("smoothgrad(sal")));
        Assert.Equal(new[] { "Ankle boot →", "Sneaker 0.83" }, font.Wrap("Ankle boot → Sneaker 0.83", Math.Max(font.Measure("Ankle boot →"), font.Measure("Sneaker 0.83"))));
        Assert.Equal(new[] { "Ankle boot → Sneaker 0.83" }, font.Wrap("Ankle boot → Sneaker 0.83", 1000));
        Assert.Equal(new[] { "one", "two" }, font.Wrap("one\ntwo", 1000));
        Assert.Equal(new[] { "" }, font.Wrap("", 1000));
        var widest = Math.Max(font.Measure("gradcam"), font.Measure("saliency"));
        Assert.True(font.WrapsWithoutCuttingWords("gradcam saliency", widest));
        Assert.False(font.WrapsWithoutCuttingWords("gradcam saliency", widest - 1));
        // A word wider than the line is cut between characters, as many as fit.
        Assert.Equal(new[] { "abcdef", "gh" }, font.Wrap("abcdefgh", font.Measure("abcdef")));
        // ... never inside a character: an e with a combining acute accent stays whole.
        var accented = "e\u0301";
        Assert.Equal(new[] { accented, accented, accented }, font.Wrap(accented + accented + accented, font.Measure(accented)));
        // Every line fits, whatever the width.
        var label = "Pullover → Trouser 0.12, shows Pullover (integrated-gradients)";
        foreach (var width in new[] { 30f, 60, 100, 250 })
            Assert.All(font.Wrap(label, width), l => Assert.True(font.Measure(l) <= width || l.Length == 1, $"'{l}' is wider than {width}"));
    }
}
