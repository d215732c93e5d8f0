using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

public class GridRenderingTests
{
    [Fact]
    public void TheGridIsLaidOutAsMeasuredByHand()
    {
        var grid = new ImageGrid(new[] { "input", "gradcam" }, cellSize: 96, textSize: 14);
        using var white = torch.full(new long[] { 28, 28, 3 }, 255, ScalarType.Byte);
        using var black = torch.zeros(new long[] { 28, 28, 1 }, ScalarType.Byte);
        grid.AddRow("Shirt 0.51", new[] { white, black }, correct: false);
        grid.AddRow("Bag → Bag 0.99", new[] { black, white }, correct: true);
        // 28 px upscaled by ceil(96 / 28) = 4: boxes of 112.
        Assert.Equal(112, grid.BoxSize);
        // A line of 14-pixel text needs more than 14 pixels (ascenders and descenders) but not twice that.
        var line = grid.LineHeight;
        Assert.InRange(line, 15, 28);
        Assert.Equal(14, grid.HeaderTextSize);
        Assert.Equal(1, grid.RowLabelLines);
        // margin 8 + frame padding 6 + 112 + gap 8 + 112 + padding 6 + margin 8.
        Assert.Equal(260, grid.Width);
        // margin 8 + one header line + 2 rows of (6 + one label line + 112 + 6) + gap 8 + margin 8.
        var rowPitch = 6 + line + 112 + 6;
        Assert.Equal(8 + line + 2 * rowPitch + 8 + 8, grid.Height);
        Assert.Equal(new PixelRect(8 + 6 + 120, 8 + line + rowPitch + 8 + 6 + line, 112, 112), grid.CellRect(1, 1));
        using var pixels = grid.Render();
        Assert.Equal(new long[] { grid.Height, grid.Width, 3 }, pixels.shape);
        var canvas = new RenderedPicture(pixels);
        // Every pixel of a cell's box is its picture (28·4 fills the box exactly), upscaled without smoothing.
        var cell = grid.CellRect(0, 1);
        Assert.All(canvas.In(cell), p => Assert.Equal(Rgb.Black, p.colour));
        Assert.Equal(ImageGrid.Background, canvas[cell.Right, cell.Y]);
        Assert.Equal(ImageGrid.Background, canvas[cell.X - 1, cell.Bottom - 1]);
        Assert.All(canvas.In(grid.CellRect(1, 1)), p => Assert.Equal(Rgb.White, p.colour));
        TestArtifacts.Save(grid, "grid-by-hand");
    }

    [Fact]
    public void ColumnLabelsTooLongForACellAreWrittenSmallerRatherThanCutMidWord()
    {
        using var cell = torch.zeros(new long[] { 32, 32, 3 }, ScalarType.Byte);
        var shortNames = new ImageGrid(new[] { "input", "gradcam", "saliency" });
        shortNames.AddRow("", new[] { cell, cell, cell });
        Assert.Equal(shortNames.TextSize, shortNames.HeaderTextSize);
        var longNames = new ImageGrid(new[] { "input", "guided-backprop-negative-supercalifragilistic" });
        longNames.AddRow("", new[] { cell, cell });
        Assert.True(longNames.HeaderTextSize < longNames.TextSize, $"header at {longNames.HeaderTextSize} px");
        Assert.True(longNames.HeaderTextSize >= ImageGrid.MinHeaderTextSize);
        // At the size chosen every word fits the column, so wrapping keeps each of them whole on a line of its own.
        using var font = new LabelFont(longNames.HeaderTextSize);
        var label = "guided-backprop-negative-supercalifragilistic";
        var lines = font.Wrap(label, 96 + ImageGrid.Gap - 2);
        Assert.True(lines.Count > 1);
        Assert.Equal(label, string.Concat(lines));
        Assert.All(lines.SkipLast(1), l => Assert.EndsWith("-", l));
        Assert.Equal(lines.Count * font.LineHeight, longNames.ColumnLabelRect(1).Height);
        TestArtifacts.Save(longNames, "long-column-label");
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
        var canvas = new RenderedPicture(pixels);
        var box = grid.CellRect(0, 1);
        Assert.Equal(ImageGrid.Background, canvas[box.X + 2, box.Y + 2]);
        Assert.Equal(Rgb.Black, canvas[box.X + 3, box.Y + 3]);
        Assert.Equal(Rgb.Black, canvas[box.X + 22, box.Y + 22]);
        Assert.Equal(ImageGrid.Background, canvas[box.X + 23, box.Y + 23]);
    }

    [Fact]
    public void UpscaledCellsKeepEveryModelPixelASharpSquare()
    {
        // A 2×2 checkerboard upscaled ×8: each quarter of the box is one colour, no blended edge between them.
        using var checker = torch.tensor(new byte[] { 0, 255, 255, 0 }, new long[] { 2, 2, 1 });
        var grid = new ImageGrid(new[] { "checker" }, cellSize: 16);
        grid.AddRow("", new[] { checker });
        using var pixels = grid.Render();
        var picture = new RenderedPicture(pixels);
        var box = grid.CellRect(0, 0);
        Assert.Equal(16, box.Width);
        Assert.All(picture.In(box), p =>
        {
            var dark = (p.x - box.X) / 8 == (p.y - box.Y) / 8;
            Assert.Equal(dark ? Rgb.Black : Rgb.White, p.colour);
        });
    }

    [Fact]
    public void GridsRenderedOnSeveralThreadsAtOnceAreTheSame()
    {
        // The dashboard renders on background threads: fonts and fallbacks are shared, so the pictures must not differ.
        using var cell = torch.full(new long[] { 8, 8, 3 }, 90, ScalarType.Byte);
        byte[] RenderOne()
        {
            var grid = new ImageGrid(new[] { "input", "integrated-gradients" }, cellSize: 32);
            grid.AddRow("Ankle boot → Сандалия 0.83 a\u02EFb", new[] { cell, cell }, correct: true);
            using var pixels = grid.Render();
            return pixels.data<byte>();
        }
        var alone = RenderOne();
        var together = new byte[8][];
        Parallel.For(0, together.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k => together[k] = RenderOne());
        Assert.All(together, t => Assert.Equal(alone, t));
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
        var changedByHeader = RenderedPicture.Differences(new RenderedPicture(p0), new RenderedPicture(p1));
        Assert.NotEmpty(changedByHeader);
        Assert.All(changedByHeader, xy => Assert.True(plain.ColumnLabelRect(1).Contains(xy.x, xy.y), $"pixel {xy} changed outside column 1's label"));
        var changedByRow = RenderedPicture.Differences(new RenderedPicture(p0), new RenderedPicture(p2));
        Assert.NotEmpty(changedByRow);
        Assert.All(changedByRow, xy => Assert.True(plain.RowLabelRect(0).Contains(xy.x, xy.y), $"pixel {xy} changed outside row 0's label"));
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
        var picture = new RenderedPicture(pixels);
        var expected = new[] { ImageGrid.CorrectColour, ImageGrid.IncorrectColour, ImageGrid.Background };
        for (var r = 0; r < 3; r++)
        {
            var frame = grid.RowFrameRect(r);
            foreach (var (x, y) in new[] { (frame.X, frame.Y), (frame.Right - 1, frame.Bottom - 1), (frame.X + ImageGrid.FrameWidth - 1, frame.Y + frame.Height / 2) })
                Assert.Equal(expected[r], picture[x, y]);
            // Frames are whole pixels: just inside and just outside, background again.
            Assert.Equal(ImageGrid.Background, picture[frame.X + ImageGrid.FrameWidth, frame.Y + frame.Height / 2]);
            Assert.Equal(ImageGrid.Background, picture[frame.X - 1, frame.Y + frame.Height / 2]);
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
        var empty = Assert.Throws<InvalidOperationException>(() => grid.Render());
        Assert.Contains("no rows", empty.Message);
        Assert.Throws<ArgumentException>(() => new ImageGrid(Array.Empty<string>()));
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageGrid(new[] { "a" }, textSize: 0));
        Assert.Contains("text size", size.Message);
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
        var picture = new RenderedPicture(tiles);
        var filter = Assertions.Values(weights).Take(27).ToArray();
        var brightest = Array.IndexOf(filter, filter.Max());
        var (channel, y, x) = (brightest / 9, brightest % 9 / 3, brightest % 3);
        var pixel = picture[TileGrid.Gap + 4 * x + 1, TileGrid.Gap + 4 * y + 1];
        Assert.Equal(255, channel switch { 0 => pixel.R, 1 => pixel.G, _ => pixel.B });
        Assert.Equal(TileGrid.Background, picture[0, 0]);
        Assert.Equal(TileGrid.Background, picture[TileGrid.Gap + 12, TileGrid.Gap + 5]);

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
        // Class names in three scripts: the labels show them as text, not as placeholder glyphs.
        var names = new[] { "Футболка", "Größe", "Σανδάλι" };
        using var predicted = set.Logits.argmax(1);
        var p = predicted.data<long>();
        var labels = new[] { (int)p[0], ((int)p[1] + 1) % 3, (int)p[2] };
        var grid = ExplanationGrid.Build(images, set, names, labels);
        Assert.Equal(new[] { "input", "gradcam", "guided-backprop", "saliency" }, grid.ColumnLabels);
        Assert.Equal(3, grid.Rows);
        using var pixels = grid.Render();
        var picture = new RenderedPicture(pixels);
        Assert.Equal(ImageGrid.CorrectColour, picture[grid.RowFrameRect(0).X, grid.RowFrameRect(0).Y]);
        Assert.Equal(ImageGrid.IncorrectColour, picture[grid.RowFrameRect(1).X, grid.RowFrameRect(1).Y]);
        // The input column shows the image itself, upscaled: its top-left pixel.
        using var firstPixel = images[0, TensorIndex.Colon, 0, 0];
        var rgb = Assertions.Values(firstPixel).Select(v => (byte)Math.Round(v * 255)).ToArray();
        var cell = grid.CellRect(0, 0);
        Assert.Equal(new Rgb(rgb[0], rgb[1], rgb[2]), picture[cell.X, cell.Y]);
        // Every row's label band has text in it; the header has text above every column.
        for (var r = 0; r < grid.Rows; r++)
            Assert.True(picture.In(grid.RowLabelRect(r)).Count(q => q.colour != ImageGrid.Background) > 50, $"row {r}'s label band is (nearly) blank");
        for (var c = 0; c < grid.Columns; c++)
            Assert.True(picture.In(grid.ColumnLabelRect(c)).Count(q => q.colour != ImageGrid.Background) > 20, $"column {c}'s label is (nearly) blank");
        using var font = new LabelFont(grid.TextSize);
        Assert.All(names, n => Assert.True(font.CanDraw(n), $"no installed font draws '{n}'"));
        var path = TestArtifacts.Save(grid, "explanation-grid");
        using var saved = torchvision.io.read_image(path);
        Assert.True(saved.equal(pixels), "the saved PNG holds exactly the rendered pixels");
        Assert.Throws<ArgumentException>(() => ExplanationGrid.Build(images, set, names, new[] { 0 }));
    }
}
