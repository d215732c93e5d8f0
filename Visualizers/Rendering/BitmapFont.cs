namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// A 5×7 pixel font for labels in rendered grids, built in so that rendering needs no font file or package. Covers
/// printable ASCII (32-126) plus '→', '×' and '…'; any other character is drawn as '?'. Each glyph is seven rows
/// of five bits, the leftmost pixel in bit 4. Drawn at an integer scale, one blank column after each glyph.
/// g, p, q and y hang <see cref="Descent"/> rows below the line, so they do not read as 9, P or a raised y.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 7;

    /// <summary>Pixels from one character's left edge to the next at scale 1.</summary>
    public const int Advance = GlyphWidth + 1;

    /// <summary>Rows a descending letter's glyph is drawn below the others' (its body starts at the x-height).</summary>
    public const int Descent = 2;

    /// <summary>Pixels from one line's top to the next at scale 1: the glyph, the descent and a blank row.</summary>
    public const int LineSpacing = GlyphHeight + Descent + 1;

    private static readonly Dictionary<char, byte[]> s_glyphs = new()
    {
        [' '] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000],
        ['!'] = [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00100],
        ['"'] = [0b01010, 0b01010, 0b01010, 0b00000, 0b00000, 0b00000, 0b00000],
        ['#'] = [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
        ['$'] = [0b00100, 0b01111, 0b10100, 0b01110, 0b00101, 0b11110, 0b00100],
        ['%'] = [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011],
        ['&'] = [0b01100, 0b10010, 0b10100, 0b01000, 0b10101, 0b10010, 0b01101],
        ['\''] = [0b00100, 0b00100, 0b01000, 0b00000, 0b00000, 0b00000, 0b00000],
        ['('] = [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
        [')'] = [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
        ['*'] = [0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000],
        ['+'] = [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        [','] = [0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b00100, 0b01000],
        ['-'] = [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        ['.'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        ['/'] = [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000],
        ['0'] = [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        ['1'] = [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['2'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        ['3'] = [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        ['4'] = [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        ['5'] = [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        ['6'] = [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        ['7'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        ['8'] = [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        ['9'] = [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        [':'] = [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
        [';'] = [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b00100, 0b01000],
        ['<'] = [0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010],
        ['='] = [0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000],
        ['>'] = [0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000],
        ['?'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100],
        ['@'] = [0b01110, 0b10001, 0b00001, 0b01101, 0b10101, 0b10101, 0b01110],
        ['A'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001],
        ['B'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        ['C'] = [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        ['D'] = [0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100],
        ['E'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        ['F'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
        ['G'] = [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        ['H'] = [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['I'] = [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['J'] = [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        ['K'] = [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        ['L'] = [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        ['M'] = [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        ['N'] = [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
        ['O'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['P'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        ['Q'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
        ['R'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        ['S'] = [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        ['T'] = [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        ['U'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['V'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        ['W'] = [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
        ['X'] = [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        ['Y'] = [0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100],
        ['Z'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
        ['['] = [0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110],
        ['\\'] = [0b00000, 0b10000, 0b01000, 0b00100, 0b00010, 0b00001, 0b00000],
        [']'] = [0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110],
        ['^'] = [0b00100, 0b01010, 0b10001, 0b00000, 0b00000, 0b00000, 0b00000],
        ['_'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111],
        ['`'] = [0b01000, 0b00100, 0b00010, 0b00000, 0b00000, 0b00000, 0b00000],
        ['a'] = [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        ['b'] = [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110],
        ['c'] = [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
        ['d'] = [0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111],
        ['e'] = [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        ['f'] = [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000],
        ['g'] = [0b01111, 0b10001, 0b10001, 0b10011, 0b01101, 0b00001, 0b01110],
        ['h'] = [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        ['i'] = [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['j'] = [0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b10010, 0b01100],
        ['k'] = [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
        ['l'] = [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['m'] = [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
        ['n'] = [0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        ['o'] = [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
        ['p'] = [0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000],
        ['q'] = [0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001],
        ['r'] = [0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
        ['s'] = [0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110],
        ['t'] = [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110],
        ['u'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101],
        ['v'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        ['w'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010],
        ['x'] = [0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001],
        ['y'] = [0b10001, 0b10001, 0b10001, 0b10011, 0b01101, 0b00001, 0b01110],
        ['z'] = [0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
        ['{'] = [0b00010, 0b00100, 0b00100, 0b01000, 0b00100, 0b00100, 0b00010],
        ['|'] = [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        ['}'] = [0b01000, 0b00100, 0b00100, 0b00010, 0b00100, 0b00100, 0b01000],
        ['~'] = [0b00000, 0b00000, 0b01000, 0b10101, 0b00010, 0b00000, 0b00000],
        // Beyond ASCII: what labels of predictions and method names use.
        ['→'] = [0b00000, 0b00100, 0b00010, 0b11111, 0b00010, 0b00100, 0b00000],
        ['×'] = [0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b00000],
        ['…'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b10101],
    };

    /// <summary>Whether <paramref name="c"/> has a glyph of its own (others are drawn as '?').</summary>
    public static bool HasGlyph(char c) => s_glyphs.ContainsKey(c);

    /// <summary>The seven rows of <paramref name="c"/>'s glyph, bit 4 the leftmost pixel ('?' for a character without one).</summary>
    public static IReadOnlyList<byte> Glyph(char c) => s_glyphs.TryGetValue(c, out var rows) ? rows : s_glyphs['?'];

    /// <summary>How many rows below the line's top <paramref name="c"/>'s glyph starts: <see cref="Descent"/> for g, p, q and y, else 0.</summary>
    public static int TopOf(char c) => c is 'g' or 'p' or 'q' or 'y' ? Descent : 0;

    /// <summary>Whether pixel (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="c"/>'s glyph is set (x from the left, y from the top).</summary>
    public static bool IsSet(char c, int x, int y)
    {
        if ((uint)x >= GlyphWidth || (uint)y >= GlyphHeight) return false;
        return ((Glyph(c)[y] >> (GlyphWidth - 1 - x)) & 1) != 0;
    }

    /// <summary>The width in pixels of <paramref name="text"/> on one line at <paramref name="scale"/>, without the trailing blank column.</summary>
    public static int MeasureWidth(string text, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckScale(scale);
        return text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;
    }

    /// <summary>
    /// Breaks <paramref name="text"/> into lines no wider than <paramref name="maxWidth"/> pixels at
    /// <paramref name="scale"/>: after a space, '-', ',' or '/', or before '(' or '@', and within a word only
    /// when the word alone is too long. Explicit '\n' always breaks.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, int maxWidth, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckScale(scale);
        var perLine = Math.Max(1, (maxWidth / scale + 1) / Advance);
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var rest = paragraph.TrimEnd();
            while (rest.Length > perLine)
            {
                var cut = BreakBefore(rest, perLine);
                lines.Add(rest[..cut].TrimEnd());
                rest = rest[cut..].TrimStart();
            }
            lines.Add(rest);
        }
        return lines;
    }

    /// <summary>
    /// Whether <paramref name="text"/> wraps into lines of <paramref name="maxWidth"/> pixels at
    /// <paramref name="scale"/> without cutting inside a word.
    /// </summary>
    public static bool WrapsWithoutCuttingWords(string text, int maxWidth, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckScale(scale);
        var perLine = Math.Max(1, (maxWidth / scale + 1) / Advance);
        var word = 0;
        for (var k = 0; k < text.Length; k++)
        {
            if (text[k] is ' ' or '\n' || (k > 0 && (text[k - 1] is '-' or ',' or '/' || text[k] is '(' or '@'))) word = 0;
            if (text[k] is ' ' or '\n') continue;
            if (++word > perLine) return false;
        }
        return true;
    }

    // The last place at most perLine characters in where a line may end; a hard cut when there is none.
    private static int BreakBefore(string text, int perLine)
    {
        for (var k = perLine; k > 0; k--)
        {
            var before = text[k - 1];
            var after = text[k];
            if (before is ' ' or '-' or ',' or '/' || after is ' ' or '(' or '@') return k;
        }
        return perLine;
    }

    /// <summary>Draws one line of <paramref name="text"/> with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    internal static void Draw(Canvas canvas, string text, int x, int y, int scale, Rgb colour)
    {
        for (var k = 0; k < text.Length; k++)
        {
            var left = x + k * Advance * scale;
            var top = y + TopOf(text[k]) * scale;
            var rows = Glyph(text[k]);
            for (var row = 0; row < GlyphHeight; row++)
            {
                for (var column = 0; column < GlyphWidth; column++)
                {
                    if (((rows[row] >> (GlyphWidth - 1 - column)) & 1) != 0)
                        canvas.FillRect(new PixelRect(left + column * scale, top + row * scale, scale, scale), colour);
                }
            }
        }
    }

    private static void CheckScale(int scale)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"the font scale must be at least 1, got {scale}");
    }
}
