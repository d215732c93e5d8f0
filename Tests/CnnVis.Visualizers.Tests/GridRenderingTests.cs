using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class GridRenderingTests
{
    [Fact]
    public void TheFontHasADistinctGlyphForEveryPrintableAsciiCharacter()
    {
        var seen = new Dictionary<string, char>();
        for (var c = (char)32; c <= (char)126; c++)
        {
            Assert.True(BitmapFont.HasGlyph(c), $"no glyph for '{c}' ({(int)c})");
            var rows = BitmapFont.Glyph(c);
            Assert.Equal(BitmapFont.GlyphHeight, rows.Count);
            Assert.All(rows, r => Assert.InRange(r, 0, 31));
            if (c == ' ') Assert.All(rows, r => Assert.Equal(0, r));
            else Assert.Contains(rows, r => r != 0);
            var key = string.Join(",", rows);
            Assert.False(seen.TryGetValue(key, out var twin), $"'{c}' looks exactly like '{twin}'");
            seen[key] = c;
        }
        Assert.True(BitmapFont.HasGlyph('→'));
        Assert.False(BitmapFont.HasGlyph('é'));
        Assert.Equal(BitmapFont.Glyph('?'), BitmapFont.Glyph('é'));
        // 'T': the top row full, then the middle column.
        Assert.True(Enumerable.Range(0, 5).All(x => BitmapFont.IsSet('T', x, 0)));
        Assert.True(BitmapFont.IsSet('T', 2, 6));
        Assert.False(BitmapFont.IsSet('T', 0, 6));
        Assert.Equal(BitmapFont.Descent, BitmapFont.TopOf('g'));
        Assert.Equal(0, BitmapFont.TopOf('G'));

        var sample = new ImageGrid(new[] { "every glyph" }, cellSize: 640);
        using var cell = torch.zeros(new long[] { 1, 1, 3 }, ScalarType.Byte);
        var ascii = new string(Enumerable.Range(32, 95).Select(c => (char)c).ToArray());
        sample.AddRow(ascii + "\nThe quick brown fox jumps over the lazy dog → 0.83 × …\nAnkle boot → Sneaker 0.83", new[] { cell });
        SaveForLooking(sample, "font");
    }

    [Fact]
    public void TextIsMeasuredAndWrappedInWholeGlyphs()
    {
        Assert.Equal(0, BitmapFont.MeasureWidth(""));
        Assert.Equal(5, BitmapFont.MeasureWidth("a"));
        Assert.Equal((3 * 6 - 1) * 2, BitmapFont.MeasureWidth("cam", 2));
        // 104 pixels at scale 2 hold 8 glyphs: (8·6 − 1)·2 = 94, 9 would need 106.
        Assert.Equal(new[] { "guided-", "backprop", "-", "negative" }, BitmapFont.Wrap("guided-backprop-negative", 104, 2));
        Assert.False(BitmapFont.WrapsWithoutCuttingWords("guided-backprop-negative", 104, 2));
        Assert.True(BitmapFont.WrapsWithoutCuttingWords("guided-backprop-negative", 104, 1));
        Assert.True(BitmapFont.WrapsWithoutCuttingWords("gradcam saliency", 104, 2));
        Assert.Equal(new[] { "smoothgrad", "(saliency)" }, BitmapFont.Wrap("smoothgrad(saliency)", 130, 2));
        Assert.Equal(new[] { "Ankle boot →", "Sneaker 0.83" }, BitmapFont.Wrap("Ankle boot → Sneaker 0.83", 12 * 6 * 2, 2));
        Assert.Equal(new[] { "abcdef", "gh" }, BitmapFont.Wrap("abcdefgh", 36, 1));
        Assert.Equal(new[] { "one", "two" }, BitmapFont.Wrap("one\ntwo", 1000));
    }

    [Fact]
    public void TheGridIsLaidOutAsMeasuredByHand()
    {
        var grid = new ImageGrid(new[] { "input", "gradcam" }, cellSize: 96, fontScale: 2);
        using var white = torch.full(new long[] { 28, 28, 3 }, 255, ScalarType.Byte);
        using var black = torch.zeros(new long[] { 28, 28, 1 }, ScalarType.Byte);
        grid.AddRow("Shirt 0.51", new[] { white, black }, correct: false);
        grid.AddRow("Bag → Bag 0.99", new[] { black, white }, correct: true);
        // 28 px upscaled by ceil(96 / 28) = 4: boxes of 112.
        Assert.Equal(112, grid.BoxSize);
        // margin 8 + frame padding 6 + 112 + gap 8 + 112 + padding 6 + margin 8.
        Assert.Equal(260, grid.Width);
        // margin 8 + header line 20 + 2 rows of (6 + label line 20 + 112 + 6) + gap 8 + margin 8.
        Assert.Equal(8 + 20 + 2 * 144 + 8 + 8, grid.Height);
        Assert.Equal(new PixelRect(8 + 6 + 120, 8 + 20 + 144 + 8 + 6 + 20, 112, 112), grid.CellRect(1, 1));
        using var pixels = grid.Render();
        Assert.Equal(new long[] { grid.Height, grid.Width, 3 }, pixels.shape);
        var canvas = new Picture(pixels);
        // Every pixel of a cell's box is its picture (28·4 fills the box exactly).
        var cell = grid.CellRect(0, 1);
        Assert.Equal(Rgb.Black, canvas[cell.X, cell.Y]);
        Assert.Equal(Rgb.Black, canvas[cell.Right - 1, cell.Bottom - 1]);
        Assert.Equal(ImageGrid.Background, canvas[cell.Right, cell.Y]);
        Assert.Equal(Rgb.White, canvas[grid.CellRect(1, 1).X + 50, grid.CellRect(1, 1).Y + 50]);
        SaveForLooking(grid, "grid-by-hand");
    }

    [Fact]
    public void ColumnLabelsTooLongForACellAreWrittenSmallerRatherThanCutMidWord()
    {
        using var cell = torch.zeros(new long[] { 32, 32, 3 }, ScalarType.Byte);
        var shortNames = new ImageGrid(new[] { "input", "gradcam", "saliency" });
        shortNames.AddRow("", new[] { cell, cell, cell });
        Assert.Equal(2, shortNames.HeaderScale);
        var longNames = new ImageGrid(new[] { "input", "guided-backprop-negative" });
        longNames.AddRow("", new[] { cell, cell });
        // A 96-pixel box (+ gap) holds 8 glyphs at scale 2: "backprop-" does not fit, at scale 1 it does.
        Assert.Equal(1, longNames.HeaderScale);
        Assert.Equal(2 * BitmapFont.LineSpacing, longNames.ColumnLabelRect(1).Height);
        SaveForLooking(longNames, "long-column-label");
    }

    [Fact]
    public void SmallerPicturesAreCentredInTheirBoxes()
    {
        var grid = new ImageGrid(new[] { "a", "b" }, cellSize: 20);
        using var big = torch.full(new long[] { 9, 9, 3 }, 255, ScalarType.Byte);
        using var small = torch.zeros(new long[] { 10, 10, 3 }, ScalarType.Byte);
        grid.AddRow("", new[] { big, small });
        // 9 → ×3 = 27 and 10 → ×2 = 20: the box is the larger, and the 20-pixel picture sits (27 − 20) / 2 = 3 pixels in.
        Assert.Equal(27, grid.BoxSize);
        using var pixels = grid.Render();
        var canvas = new Picture(pixels);
        var box = grid.CellRect(0, 1);
        Assert.Equal(ImageGrid.Background, canvas[box.X + 2, box.Y + 2]);
        Assert.Equal(Rgb.Black, canvas[box.X + 3, box.Y + 3]);
        Assert.Equal(Rgb.Black, canvas[box.X + 22, box.Y + 22]);
        Assert.Equal(ImageGrid.Background, canvas[box.X + 23, box.Y + 23]);
    }

    [Fact]
    public void LabelsChangePixelsOnlyWhereTheyAreWritten()
    {
        using var grey = torch.full(new long[] { 8, 8, 3 }, 128, ScalarType.Byte);
        ImageGrid Make(string column, string row)
        {
            var grid = new ImageGrid(new[] { "input", column }, cellSize: 32);
            grid.AddRow(row, new[] { grey, grey });
            return grid;
        }
        var plain = Make("aaaa", "xxxx");
        var header = Make("abcd", "xxxx");
        var rowLabel = Make("aaaa", "xyzw");
        Assert.Equal((plain.Width, plain.Height), (header.Width, header.Height));
        using var p0 = plain.Render();
        using var p1 = header.Render();
        using var p2 = rowLabel.Render();
        var changedByHeader = Differences(new Picture(p0), new Picture(p1));
        Assert.NotEmpty(changedByHeader);
        Assert.All(changedByHeader, xy => Assert.True(plain.ColumnLabelRect(1).Contains(xy.x, xy.y), $"pixel {xy} changed outside column 1's label"));
        var changedByRow = Differences(new Picture(p0), new Picture(p2));
        Assert.NotEmpty(changedByRow);
        Assert.All(changedByRow, xy => Assert.True(plain.RowLabelRect(0).Contains(xy.x, xy.y), $"pixel {xy} changed outside row 0's label"));
        // Text is drawn in the text colour.
        var (x, y) = changedByRow[0];
        Assert.Equal(ImageGrid.TextColour, new Picture(p2)[x, y]);
    }

    [Fact]
    public void RowsAreFramedGreenWhenRightRedWhenWrongAndNotAtAllWhenUnknown()
    {
        using var cell = torch.zeros(new long[] { 4, 4, 3 }, ScalarType.Byte);
        var grid = new ImageGrid(new[] { "input" }, cellSize: 16);
        grid.AddRow("right", new[] { cell }, correct: true);
        grid.AddRow("wrong", new[] { cell }, correct: false);
        grid.AddRow("unknown", new[] { cell });
        using var pixels = grid.Render();
        var picture = new Picture(pixels);
        var expected = new[] { ImageGrid.CorrectColour, ImageGrid.IncorrectColour, ImageGrid.Background };
        for (var r = 0; r < 3; r++)
        {
            var frame = grid.RowFrameRect(r);
            foreach (var (x, y) in new[] { (frame.X, frame.Y), (frame.Right - 1, frame.Bottom - 1), (frame.X + ImageGrid.FrameWidth - 1, frame.Y + frame.Height / 2) })
                Assert.Equal(expected[r], picture[x, y]);
            // Just inside the frame: background again.
            Assert.Equal(ImageGrid.Background, picture[frame.X + ImageGrid.FrameWidth, frame.Y + frame.Height / 2]);
        }
        Assert.NotEqual(ImageGrid.CorrectColour, ImageGrid.IncorrectColour);
    }

    [Fact]
    public void BadCellsAreRefusedNamingWhere()
    {
        var grid = new ImageGrid(new[] { "input", "gradcam" });
        using var ok = torch.zeros(new long[] { 4, 4, 3 }, ScalarType.Byte);
        using var floats = torch.zeros(new long[] { 4, 4, 3 });
        var count = Assert.Throws<ArgumentException>(() => grid.AddRow("x", new[] { ok }));
        Assert.Contains("2 columns", count.Message);
        var type = Assert.Throws<ArgumentException>(() => grid.AddRow("x", new[] { ok, floats }));
        Assert.Contains("'gradcam'", type.Message);
        Assert.Contains("uint8", type.Message);
        Assert.Equal(0, grid.Rows);
        Assert.Throws<InvalidOperationException>(() => grid.Render());
        Assert.Throws<ArgumentException>(() => new ImageGrid(Array.Empty<string>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageGrid(new[] { "a" }, fontScale: 0));
    }

    [Fact]
    public void FiltersAreTiledEachByItsOwnRange()
    {
        torch.manual_seed(91);
        using var weights = torch.randn(new long[] { 4, 3, 3, 3 });
        using var tiles = FilterGrid.Render(weights, tileSize: 12, columns: 2);
        // 3 px ×4 = 12 px tiles, 2 × 2 of them with 2-pixel gaps: 2 + 2·14 = 30.
        Assert.Equal(new long[] { 30, 30, 3 }, tiles.shape);
        // Per-filter normalisation: scaling one filter changes nothing.
        using var scaled = weights.clone();
        using (var first = scaled.select(0, 0)) first.mul_(100);
        using var sameTiles = FilterGrid.Render(scaled, tileSize: 12, columns: 2);
        Assert.True(tiles.equal(sameTiles));
        // The largest weight of a filter is white in its tile, the smallest black.
        var picture = new Picture(tiles);
        var filter = Assertions.Values(weights).Take(27).ToArray();
        var brightest = Array.IndexOf(filter, filter.Max());
        var (channel, y, x) = (brightest / 9, brightest % 9 / 3, brightest % 3);
        var pixel = picture[TileGrid.Gap + 4 * x + 1, TileGrid.Gap + 4 * y + 1];
        Assert.Equal(255, channel switch { 0 => pixel.R, 1 => pixel.G, _ => pixel.B });
        Assert.Equal(TileGrid.Background, picture[0, 0]);

        using var deep = torch.randn(new long[] { 2, 5, 3, 3 });
        using var perChannel = FilterGrid.Render(deep, tileSize: 3);
        // One grey tile per channel, a row per filter: 5 × 2 tiles of 3 px.
        Assert.Equal(new long[] { 2 + 2 * 5, 2 + 5 * 5, 3 }, perChannel.shape);
        using var flat = torch.zeros(new long[] { 2, 2 });
        Assert.Throws<ArgumentException>(() => FilterGrid.Render(flat));
    }

    [Fact]
    public void AnExplanationSetBecomesALabelledGrid()
    {
        torch.manual_seed(92);
        using var model = new TinyCnn(inChannels: 3, classes: 3);
        using var images = torch.rand(new long[] { 3, 3, 12, 12 });
        var methods = ExplanationMethods.CreateMany(new[] { "gradcam", "guided-backprop", "saliency" });
        using var set = new ExplanationPass(methods).Run(model, images, PredictedClass.Instance);
        var names = new[] { "circle", "square", "triangle" };
        using var predicted = set.Logits.argmax(1);
        var p = predicted.data<long>();
        var labels = new[] { (int)p[0], ((int)p[1] + 1) % 3, (int)p[2] };
        var grid = ExplanationGrid.Build(images, set, names, labels);
        Assert.Equal(new[] { "input", "gradcam", "guided-backprop", "saliency" }, grid.ColumnLabels);
        Assert.Equal(3, grid.Rows);
        using var pixels = grid.Render();
        var picture = new Picture(pixels);
        Assert.Equal(ImageGrid.CorrectColour, picture[grid.RowFrameRect(0).X, grid.RowFrameRect(0).Y]);
        Assert.Equal(ImageGrid.IncorrectColour, picture[grid.RowFrameRect(1).X, grid.RowFrameRect(1).Y]);
        // The input column shows the image itself, upscaled: its top-left pixel.
        using var firstPixel = images[0, TensorIndex.Colon, 0, 0];
        var rgb = Assertions.Values(firstPixel).Select(v => (byte)Math.Round(v * 255)).ToArray();
        var cell = grid.CellRect(0, 0);
        Assert.Equal(new Rgb(rgb[0], rgb[1], rgb[2]), picture[cell.X, cell.Y]);
        SaveForLooking(grid, "explanation-grid");
        Assert.Throws<ArgumentException>(() => ExplanationGrid.Build(images, set, names, new[] { 0 }));
    }

    private static List<(int x, int y)> Differences(Picture a, Picture b)
    {
        var found = new List<(int, int)>();
        for (var y = 0; y < a.Height; y++)
            for (var x = 0; x < a.Width; x++)
                if (a[x, y] != b[x, y]) found.Add((x, y));
        return found;
    }

    /// <summary>Writes the grid where CNNVIS_TEST_PICTURES points, so a person can look at it; does nothing otherwise.</summary>
    internal static void SaveForLooking(ImageGrid grid, string name)
    {
        var folder = Environment.GetEnvironmentVariable("CNNVIS_TEST_PICTURES");
        if (string.IsNullOrEmpty(folder)) return;
        Directory.CreateDirectory(folder);
        grid.Save(Path.Combine(folder, name + ".png"));
    }

    /// <summary>Rendered pixels read back by (x, y).</summary>
    private sealed class Picture(Tensor pixels)
    {
        private readonly byte[] _bytes = pixels.data<byte>();
        public int Height { get; } = (int)pixels.size(0);
        public int Width { get; } = (int)pixels.size(1);
        public Rgb this[int x, int y] => new(_bytes[3 * (y * Width + x)], _bytes[3 * (y * Width + x) + 1], _bytes[3 * (y * Width + x) + 2]);
    }
}
