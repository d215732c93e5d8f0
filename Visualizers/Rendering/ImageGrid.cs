using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// A labelled grid of pictures: one row per image (say, the input and then one map per method) under a header of
/// column labels, each row with its own label above its cells (say, "Ankle boot → Sneaker 0.83") and, when the
/// prediction is known to be right or wrong, a green or red frame around the row. Cells are upscaled by a whole
/// number (nearest neighbour, so every model pixel stays a sharp square) to at least <see cref="CellSize"/> and
/// centred in equal boxes. Text uses the built-in <see cref="BitmapFont"/>; long labels wrap.
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

    // Inside a frame, between it and the row's label and cells.
    private const int Padding = FrameWidth + 3;

    private readonly string[] _columnLabels;
    private readonly List<Row> _rows = new();

    private sealed record Row(string Label, PixelImage[] Cells, bool? Correct);

    /// <param name="columnLabels">One label per column, e.g. "input", "gradcam", ...</param>
    /// <param name="cellSize">Smallest side of a cell in pixels: images are upscaled by a whole number to reach it.</param>
    /// <param name="fontScale">Text size: the 5×7 glyphs drawn this many times larger.</param>
    public ImageGrid(IReadOnlyList<string> columnLabels, int cellSize = 96, int fontScale = 2)
    {
        ArgumentNullException.ThrowIfNull(columnLabels);
        if (columnLabels.Count == 0) throw new ArgumentException("a grid needs at least one column", nameof(columnLabels));
        if (columnLabels.Any(l => l is null)) throw new ArgumentException("a column label is null: use \"\" for none", nameof(columnLabels));
        if (cellSize < 1) throw new ArgumentOutOfRangeException(nameof(cellSize), $"the cell size must be at least 1 pixel, got {cellSize}");
        if (fontScale < 1) throw new ArgumentOutOfRangeException(nameof(fontScale), $"the font scale must be at least 1, got {fontScale}");
        _columnLabels = columnLabels.ToArray();
        CellSize = cellSize;
        FontScale = fontScale;
    }

    public IReadOnlyList<string> ColumnLabels => _columnLabels;

    public int CellSize { get; }

    public int FontScale { get; }

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
    private (int box, int labelLines, int headerScale, int headerHeight)? _layout;

    private (int box, int labelLines, int headerScale, int headerHeight) Layout => _layout ??= Measure();

    private (int box, int labelLines, int headerScale, int headerHeight) Measure()
    {
        var box = _rows.Count == 0 ? CellSize : _rows.SelectMany(r => r.Cells).Max(c => Scaled(c).side);
        var inner = Columns * box + (Columns - 1) * Gap;
        var labelLines = _rows.Count == 0 ? 0 : _rows.Max(r => r.Label.Length == 0 ? 0 : BitmapFont.Wrap(r.Label, inner, FontScale).Count);
        // Column labels are as wide as a cell: a smaller size, if need be, keeps every word of them whole.
        var headerScale = FontScale;
        while (headerScale > 1 && !_columnLabels.All(l => BitmapFont.WrapsWithoutCuttingWords(l, box + Gap - 2, headerScale))) headerScale--;
        var headerLines = _columnLabels.Max(l => l.Length == 0 ? 0 : BitmapFont.Wrap(l, box + Gap - 2, headerScale).Count);
        return (box, labelLines, headerScale, headerLines * BitmapFont.LineSpacing * headerScale);
    }

    /// <summary>The size column labels are drawn at: <see cref="FontScale"/>, or smaller where a word would not fit a column.</summary>
    public int HeaderScale => Layout.headerScale;

    /// <summary>Side of every cell's box: the largest upscaled picture.</summary>
    public int BoxSize => Layout.box;

    private int LineHeight => BitmapFont.LineSpacing * FontScale;

    private int RowPitch => Padding + RowLabelLines * LineHeight + BoxSize + Padding;

    /// <summary>The column labels' lines; a label may use the gaps beside its column.</summary>
    private IReadOnlyList<string> HeaderLines(int column) => BitmapFont.Wrap(_columnLabels[column], BoxSize + Gap - 2, HeaderScale);

    private int HeaderHeight => Layout.headerHeight;

    private int InnerWidth => Columns * BoxSize + (Columns - 1) * Gap;

    private IReadOnlyList<string> LinesOfRowLabel(int row) =>
        _rows[row].Label.Length == 0 ? Array.Empty<string>() : BitmapFont.Wrap(_rows[row].Label, InnerWidth, FontScale);

    // Every row keeps room for the longest label, so the cells line up down the grid.
    private int RowLabelLines => Layout.labelLines;

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
        if (Rows == 0) throw new InvalidOperationException("the grid has no rows: add at least one with AddRow");
        var canvas = new Canvas(Width, Height, Background);
        for (var c = 0; c < Columns; c++)
        {
            var area = ColumnLabelRect(c);
            var lines = HeaderLines(c);
            // Bottom-aligned, so one-line labels sit just above their cells however tall the header is.
            var lineHeight = BitmapFont.LineSpacing * HeaderScale;
            var top = area.Bottom - lines.Count * lineHeight;
            for (var k = 0; k < lines.Count; k++) DrawCentred(canvas, lines[k], area, top + k * lineHeight);
        }
        for (var r = 0; r < Rows; r++)
        {
            var row = _rows[r];
            if (row.Correct is { } correct) canvas.DrawFrame(RowFrameRect(r), FrameWidth, correct ? CorrectColour : IncorrectColour);
            var label = RowLabelRect(r);
            var lines = LinesOfRowLabel(r);
            for (var k = 0; k < lines.Count; k++) BitmapFont.Draw(canvas, lines[k], label.X, label.Y + k * LineHeight, FontScale, TextColour);
            for (var c = 0; c < Columns; c++)
            {
                var box = CellRect(r, c);
                var cell = row.Cells[c];
                var (scale, _) = Scaled(cell);
                canvas.Draw(cell, box.X + (box.Width - cell.Width * scale) / 2, box.Y + (box.Height - cell.Height * scale) / 2, scale);
            }
        }
        return canvas.ToTensor();
    }

    /// <summary>Renders the grid and writes it as a PNG.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var pixels = Render();
        PngFile.Write(path, pixels);
    }

    private void DrawCentred(Canvas canvas, string line, PixelRect area, int y)
    {
        var width = BitmapFont.MeasureWidth(line, HeaderScale);
        BitmapFont.Draw(canvas, line, area.X + (area.Width - width) / 2, y, HeaderScale, TextColour);
    }

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
