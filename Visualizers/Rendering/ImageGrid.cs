using CnnVis.Torch;
using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// A labelled grid of pictures: one row per image (say, the input and then one map per method) under a header of
/// column labels, each row with its own label above its cells (say, "Ankle boot → Sneaker 0.83") and, when the
/// prediction is known to be right or wrong, a green or red frame around the row. Cells are upscaled by a whole
/// number (nearest neighbour, so every model pixel stays a sharp square) to at least <see cref="CellSize"/> and
/// centred in equal boxes. Text is antialiased DejaVu Sans (any script a font is installed for); long labels wrap.
/// </summary>
public sealed class ImageGrid
{
    /// <summary>Frame of a row whose prediction is right.</summary>
    public static Rgb CorrectColour { get; } = new(0, 160, 60);

    /// <summary>Frame of a row whose prediction is wrong.</summary>
    public static Rgb IncorrectColour { get; } = new(215, 25, 30);

    public static Rgb Background { get; } = Rgb.White;

    public static Rgb TextColour { get; } = new(20, 20, 20);

    /// <summary>Blank pixels around the whole grid.</summary>
    public const int Margin = 8;

    /// <summary>Blank pixels between two cells of a row, and between two rows' frames.</summary>
    public const int Gap = 8;

    /// <summary>Width of a row's frame.</summary>
    public const int FrameWidth = 3;

    /// <summary>The smallest size column labels are shrunk to so that their words fit a column.</summary>
    public const float MinHeaderTextSize = 8;

    // Inside a frame, between it and the row's label and cells.
    private const int Padding = FrameWidth + 3;

    private readonly string[] _columnLabels;
    private readonly List<Row> _rows = new();

    private sealed record Row(string Label, PixelImage[] Cells, bool? Correct);

    /// <param name="columnLabels">One label per column, e.g. "input", "gradcam", ...</param>
    /// <param name="cellSize">Smallest side of a cell in pixels: images are upscaled by a whole number to reach it.</param>
    /// <param name="textSize">Size of the labels' text in pixels (the font's em).</param>
    public ImageGrid(IReadOnlyList<string> columnLabels, int cellSize = 96, float textSize = 14)
    {
        ArgumentNullException.ThrowIfNull(columnLabels);
        if (columnLabels.Count == 0) throw new ArgumentException("a grid needs at least one column", nameof(columnLabels));
        if (columnLabels.Any(l => l is null)) throw new ArgumentException("a column label is null: use \"\" for none", nameof(columnLabels));
        if (cellSize < 1) throw new ArgumentOutOfRangeException(nameof(cellSize), $"the cell size must be at least 1 pixel, got {cellSize}");
        if (!(textSize >= MinHeaderTextSize) || textSize > 200) throw new ArgumentOutOfRangeException(nameof(textSize), $"the text size must be between {MinHeaderTextSize} and 200 pixels, got {textSize}");
        _columnLabels = columnLabels.ToArray();
        CellSize = cellSize;
        TextSize = textSize;
    }

    public IReadOnlyList<string> ColumnLabels => _columnLabels;

    public int CellSize { get; }

    public float TextSize { get; }

    public int Columns => _columnLabels.Length;

    public int Rows => _rows.Count;

    /// <summary>
    /// Adds a row: one picture per column, uint8 [H, W, 3] or [H, W, 1] (the pixels are copied, so the caller may
    /// dispose them). <paramref name="correct"/> frames the row green (true) or red (false); null draws no frame.
    /// </summary>
    public void AddRow(string label, IReadOnlyList<Tensor> cells, bool? correct = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count != Columns)
            throw new ArgumentException($"row {Rows} has {cells.Count} pictures but the grid has {Columns} columns ({string.Join(", ", _columnLabels)})", nameof(cells));
        var images = cells.Select((c, k) => PixelImage.From(c, $"the picture in row {Rows}, column '{_columnLabels[k]}'")).ToArray();
        _rows.Add(new Row(label, images, correct));
        _layout = null;
    }

    // Sizes that depend on every row, measured once after a change rather than for every rectangle asked for.
    private sealed record Layout(int Box, int LineHeight, int LabelLines, float HeaderSize, int HeaderLineHeight, IReadOnlyList<string>[] HeaderLines, IReadOnlyList<string>[] RowLines)
    {
        public int InnerWidth(int columns) => columns * Box + (columns - 1) * Gap;
    }

    private Layout? _layout;

    private Layout Measured => _layout ??= Measure();

    private Layout Measure()
    {
        var box = _rows.Count == 0 ? CellSize : _rows.SelectMany(r => r.Cells).Max(c => Scaled(c).side);
        var inner = Columns * box + (Columns - 1) * Gap;
        using var font = new LabelFont(TextSize);
        var rowLines = _rows.Select(r => r.Label.Length == 0 ? Array.Empty<string>() : font.Wrap(r.Label, inner)).ToArray();
        var labelLines = rowLines.Length == 0 ? 0 : rowLines.Max(l => l.Count);
        // Column labels are as wide as a cell and its gaps: a smaller size, if need be, keeps every word of them whole.
        var headerWidth = box + Gap - 2;
        var headerSize = TextSize;
        while (headerSize > MinHeaderTextSize && !_columnLabels.All(l => WordsFit(l, headerWidth, headerSize))) headerSize = Math.Max(MinHeaderTextSize, headerSize - 1);
        using var header = new LabelFont(headerSize);
        var headerLines = _columnLabels.Select(l => l.Length == 0 ? Array.Empty<string>() : header.Wrap(l, headerWidth)).ToArray();
        return new Layout(box, font.LineHeight, labelLines, headerSize, header.LineHeight, headerLines, rowLines);
    }

    private static bool WordsFit(string label, float width, float size)
    {
        using var font = new LabelFont(size);
        return font.WrapsWithoutCuttingWords(label, width);
    }

    /// <summary>The size column labels are drawn at: <see cref="TextSize"/>, or smaller where a word would not fit a column.</summary>
    public float HeaderTextSize => Measured.HeaderSize;

    /// <summary>Side of every cell's box: the largest upscaled picture.</summary>
    public int BoxSize => Measured.Box;

    /// <summary>Pixels from one line of a row label to the next.</summary>
    public int LineHeight => Measured.LineHeight;

    /// <summary>Lines of text the tallest row label takes; every row keeps room for it, so cells line up down the grid.</summary>
    public int RowLabelLines => Measured.LabelLines;

    private int RowPitch => Padding + RowLabelLines * LineHeight + BoxSize + Padding;

    private int HeaderHeight => Measured.HeaderLines.Max(l => l.Count) * Measured.HeaderLineHeight;

    private int InnerWidth => Measured.InnerWidth(Columns);

    public int Width => Margin + Padding + InnerWidth + Padding + Margin;

    public int Height => Margin + HeaderHeight + Rows * RowPitch + Math.Max(0, Rows - 1) * Gap + Margin;

    /// <summary>Where row <paramref name="row"/>'s frame goes (drawn inside this rectangle).</summary>
    public PixelRect RowFrameRect(int row)
    {
        CheckRow(row);
        return new PixelRect(Margin, Margin + HeaderHeight + row * (RowPitch + Gap), Width - 2 * Margin, RowPitch);
    }

    /// <summary>The strip row <paramref name="row"/>'s label is written in.</summary>
    public PixelRect RowLabelRect(int row)
    {
        var frame = RowFrameRect(row);
        return new PixelRect(frame.X + Padding, frame.Y + Padding, InnerWidth, RowLabelLines * LineHeight);
    }

    /// <summary>The box of cell (<paramref name="row"/>, <paramref name="column"/>); the picture is centred in it.</summary>
    public PixelRect CellRect(int row, int column)
    {
        CheckColumn(column);
        var label = RowLabelRect(row);
        return new PixelRect(label.X + column * (BoxSize + Gap), label.Bottom, BoxSize, BoxSize);
    }

    /// <summary>The area above column <paramref name="column"/> its label is written in (it reaches into the gaps beside it).</summary>
    public PixelRect ColumnLabelRect(int column)
    {
        CheckColumn(column);
        var left = Margin + Padding + column * (BoxSize + Gap) - Gap / 2;
        return new PixelRect(left, Margin, BoxSize + Gap, HeaderHeight);
    }

    /// <summary>The grid as uint8 [Height, Width, 3]: a new tensor the caller owns.</summary>
    public Tensor Render()
    {
        using var bitmap = Draw();
        return PixelImage.ToTensor(bitmap);
    }

    /// <summary>Renders the grid and writes it as a PNG.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var bitmap = Draw();
        File.WriteAllBytes(path, PngFile.Encode(bitmap));
    }

    private SKBitmap Draw()
    {
        if (Rows == 0) throw new InvalidOperationException("the grid has no rows: add at least one with AddRow");
        var layout = Measured;
        var bitmap = PixelImage.NewCanvasBitmap(Width, Height, Background);
        using var canvas = new SKCanvas(bitmap);
        using var text = new SKPaint { Color = TextColour.ToSkia(), IsAntialias = true };
        using (var header = new LabelFont(layout.HeaderSize))
        {
            for (var c = 0; c < Columns; c++)
            {
                var area = ColumnLabelRect(c);
                var lines = layout.HeaderLines[c];
                // Bottom-aligned, so one-line labels sit just above their cells however tall the header is.
                var top = area.Bottom - lines.Count * layout.HeaderLineHeight;
                canvas.Save();
                canvas.ClipRect(ToSkia(area));
                for (var k = 0; k < lines.Count; k++)
                    header.Draw(canvas, lines[k], area.X + (area.Width - header.Measure(lines[k])) / 2, top + k * layout.HeaderLineHeight, text);
                canvas.Restore();
            }
        }
        using var font = new LabelFont(TextSize);
        using var frame = new SKPaint { IsAntialias = false };
        for (var r = 0; r < Rows; r++)
        {
            var row = _rows[r];
            if (row.Correct is { } correct)
            {
                frame.Color = (correct ? CorrectColour : IncorrectColour).ToSkia();
                DrawFrame(canvas, RowFrameRect(r), frame);
            }
            var label = RowLabelRect(r);
            canvas.Save();
            canvas.ClipRect(ToSkia(label));
            var lines = layout.RowLines[r];
            for (var k = 0; k < lines.Count; k++) font.Draw(canvas, lines[k], label.X, label.Y + k * LineHeight, text);
            canvas.Restore();
            for (var c = 0; c < Columns; c++)
            {
                var box = CellRect(r, c);
                var cell = row.Cells[c];
                var (scale, _) = Scaled(cell);
                int width = cell.Width * scale, height = cell.Height * scale;
                using var image = cell.ToImage();
                canvas.DrawImage(image, SKRect.Create(box.X + (box.Width - width) / 2, box.Y + (box.Height - height) / 2, width, height), TileGrid.Sharp, null);
            }
        }
        canvas.Flush();
        return bitmap;
    }

    // A frame FrameWidth pixels wide just inside rect, in whole pixels.
    private static void DrawFrame(SKCanvas canvas, PixelRect rect, SKPaint paint)
    {
        canvas.DrawRect(ToSkia(rect with { Height = FrameWidth }), paint);
        canvas.DrawRect(ToSkia(rect with { Y = rect.Bottom - FrameWidth, Height = FrameWidth }), paint);
        canvas.DrawRect(ToSkia(rect with { Width = FrameWidth }), paint);
        canvas.DrawRect(ToSkia(rect with { X = rect.Right - FrameWidth, Width = FrameWidth }), paint);
    }

    private static SKRect ToSkia(PixelRect rect) => SKRect.Create(rect.X, rect.Y, rect.Width, rect.Height);

    // The whole-number upscale that brings a picture's longer side to at least CellSize, and that side.
    private (int scale, int side) Scaled(PixelImage image)
    {
        var longer = Math.Max(image.Width, image.Height);
        var scale = Math.Max(1, (CellSize + longer - 1) / longer);
        return (scale, longer * scale);
    }

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"row {row} is out of range: the grid has {Rows} rows");
    }

    private void CheckColumn(int column)
    {
        if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column), $"column {column} is out of range: the grid has {Columns} columns");
    }
}
