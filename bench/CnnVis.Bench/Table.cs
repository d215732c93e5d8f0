namespace CnnVis.Bench;

/// <summary>A plain-text table for the terminal: a header row, then rows, columns padded to fit.</summary>
internal sealed class Table(params string[] header)
{
    private readonly List<string[]> _rows = new();

    public void Add(params string[] cells)
    {
        if (cells.Length != header.Length) throw new ArgumentException($"a row has {cells.Length} cells, the table {header.Length} columns");
        _rows.Add(cells);
    }

    public void Print(TextWriter to)
    {
        var widths = new int[header.Length];
        foreach (var row in _rows.Prepend(header))
        {
            for (var c = 0; c < row.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        }
        to.WriteLine(Line(header, widths));
        to.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in _rows) to.WriteLine(Line(row, widths));
    }

    // The first column reads as a label (left-aligned), the others as figures (right-aligned).
    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd();
}
