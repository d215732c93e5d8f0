using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// The font labels are written in: DejaVu Sans (Debian's fonts-dejavu-core) at a size in pixels, antialiased.
/// A character DejaVu Sans lacks is drawn with whatever font fontconfig offers for it (say, a CJK font when one is
/// installed), so class names in any script show as text rather than boxes wherever the machine has a font.
/// Set CNNVIS_FONT to a .ttf/.otf file to use that font instead. Measuring and drawing only read shared state,
/// so grids can be rendered on several threads at once.
/// </summary>
public sealed class LabelFont : IDisposable
{
    public const string Family = "DejaVu Sans";

    /// <summary>The environment variable that names a font file to use instead of <see cref="Family"/>.</summary>
    public const string FontFileVariable = "CNNVIS_FONT";

    private static readonly Lazy<SKTypeface> s_primary = new(() => Resolve(Environment.GetEnvironmentVariable(FontFileVariable), Family));
    private static readonly ConcurrentDictionary<int, SKTypeface?> s_fallbacks = new();

    private readonly SKFont _font;
    private readonly ConcurrentDictionary<SKTypeface, SKFont> _fonts = new();

    public LabelFont(float size)
    {
        if (!(size >= 1)) throw new ArgumentOutOfRangeException(nameof(size), $"the text size must be at least 1 pixel, got {size}");
        SkiaRuntime.EnsureLoaded();
        Size = size;
        _font = Make(s_primary.Value);
        _font.GetFontMetrics(out var metrics);
        Ascent = -metrics.Ascent;
        // A line holds the tallest ascender and the deepest descender with the font's own gap; whole pixels keep
        // the grid's rectangles on the pixel grid.
        LineHeight = (int)Math.Ceiling(_font.Spacing);
    }

    public float Size { get; }

    /// <summary>Pixels from a line's top to its baseline.</summary>
    public float Ascent { get; }

    /// <summary>Pixels from one line's top to the next.</summary>
    public int LineHeight { get; }

    /// <summary>The typeface labels are drawn with where it has the glyph.</summary>
    public static SKTypeface Primary => s_primary.Value;

    /// <summary>
    /// The font to draw with: the file <paramref name="fontFile"/> when given, else the installed
    /// <paramref name="family"/>, else fontconfig's nearest match if it can draw Latin text. Never a font that
    /// draws nothing: a machine without one gets an error saying which packages to install.
    /// </summary>
    public static SKTypeface Resolve(string? fontFile, string family)
    {
        SkiaRuntime.EnsureLoaded();
        if (!string.IsNullOrEmpty(fontFile))
        {
            var fromFile = File.Exists(fontFile) ? SKTypeface.FromFile(fontFile) : null;
            if (fromFile is null || fromFile.GlyphCount == 0)
                throw new MissingFontException($"{FontFileVariable}={fontFile}: " + (File.Exists(fontFile) ? "not a font file Skia can read (give a .ttf or .otf)" : "no such file"));
            return fromFile;
        }
        var typeface = SKTypeface.FromFamilyName(family);
        if (DrawsLatin(typeface)) return typeface!;
        var fallback = SKTypeface.Default;
        if (DrawsLatin(fallback)) return fallback;
        throw new MissingFontException(
            $"no font to write labels with: '{family}' is not installed and fontconfig offers no other font with Latin letters. " +
            $"On Debian install the packages fonts-dejavu-core and fontconfig (./build.sh does), or set {FontFileVariable} to a .ttf file.");
    }

    private static bool DrawsLatin(SKTypeface? typeface)
    {
        if (typeface is null || typeface.GlyphCount == 0) return false;
        using var font = new SKFont(typeface, 12);
        return font.ContainsGlyphs("Aa0");
    }

    /// <summary>The typeface <paramref name="codePoint"/> is drawn with: the primary one, or fontconfig's choice for it when the primary lacks it.</summary>
    public SKTypeface TypefaceFor(int codePoint)
    {
        if (_font.ContainsGlyph(codePoint)) return _font.Typeface;
        var other = s_fallbacks.GetOrAdd(codePoint, c => SKFontManager.Default.MatchCharacter(_font.Typeface.FamilyName, c));
        // Nothing installed draws it: the primary's missing-glyph box at least shows that a character is there.
        return other ?? _font.Typeface;
    }

    /// <summary>Whether some installed font has a glyph for every character of <paramref name="text"/>.</summary>
    public bool CanDraw(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var rune in text.EnumerateRunes())
        {
            using var font = Make(TypefaceFor(rune.Value));
            if (!font.ContainsGlyph(rune.Value)) return false;
        }
        return true;
    }

    /// <summary>Advance width of <paramref name="text"/> in pixels.</summary>
    public float Measure(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var width = 0f;
        foreach (var (run, font) in Runs(text)) width += font.MeasureText(run);
        return width;
    }

    /// <summary>Draws one line of <paramref name="text"/> with its top-left at (x, top).</summary>
    public void Draw(SKCanvas canvas, string text, float x, float top, SKPaint paint)
    {
        var baseline = top + Ascent;
        foreach (var (run, font) in Runs(text))
        {
            canvas.DrawText(run, x, baseline, SKTextAlign.Left, font, paint);
            x += font.MeasureText(run);
        }
    }

    /// <summary>
    /// Splits <paramref name="text"/> into lines no wider than <paramref name="width"/> pixels: at newlines, at
    /// spaces, after a hyphen and before an opening parenthesis ("smoothgrad" / "(saliency)"). A piece that fits no
    /// line is cut between characters (never inside one).
    /// </summary>
    public IReadOnlyList<string> Wrap(string text, float width)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var before = lines.Count;
            var line = new StringBuilder();
            foreach (var piece in Pieces(paragraph))
            {
                var candidate = line.ToString() + piece;
                if (Measure(candidate.TrimEnd()) <= width)
                {
                    line.Append(piece);
                    continue;
                }
                if (line.Length > 0) lines.Add(line.ToString().TrimEnd());
                line.Clear();
                var rest = piece.TrimStart();
                while (Measure(rest.TrimEnd()) > width)
                {
                    var cut = LongestFittingPrefix(rest, width);
                    lines.Add(rest[..cut]);
                    rest = rest[cut..];
                }
                line.Append(rest);
            }
            if (line.Length > 0 || lines.Count == before) lines.Add(line.ToString().TrimEnd());
        }
        return lines;
    }

    /// <summary>Whether every word of <paramref name="text"/> fits a line of <paramref name="width"/> pixels, so wrapping it cuts none.</summary>
    public bool WrapsWithoutCuttingWords(string text, float width) =>
        text.Split('\n').SelectMany(Pieces).All(p => Measure(p.Trim()) <= width);

    // Words with what follows them: "guided-" "backprop-" "negative", "smoothgrad" "(saliency)", "Ankle " "boot".
    private static IEnumerable<string> Pieces(string paragraph)
    {
        var start = 0;
        for (var k = 0; k < paragraph.Length; k++)
        {
            var breakAfter = paragraph[k] is ' ' or '-' && (k + 1 == paragraph.Length || paragraph[k + 1] != ' ');
            var breakBefore = k + 1 < paragraph.Length && paragraph[k + 1] == '(' && paragraph[k] != ' ';
            if (breakAfter || breakBefore)
            {
                yield return paragraph[start..(k + 1)];
                start = k + 1;
            }
        }
        if (start < paragraph.Length) yield return paragraph[start..];
    }

    // How many chars of text fit in width, in whole text elements (a letter with its accents, a surrogate pair),
    // and at least one element so that wrapping always moves on.
    private int LongestFittingPrefix(string text, float width)
    {
        var boundaries = StringInfo.ParseCombiningCharacters(text);
        var fits = boundaries.Length > 1 ? boundaries[1] : text.Length;
        for (var k = 2; k <= boundaries.Length; k++)
        {
            var end = k == boundaries.Length ? text.Length : boundaries[k];
            if (Measure(text[..end]) > width) break;
            fits = end;
        }
        return fits;
    }

    // Consecutive characters drawn with the same typeface.
    private IEnumerable<(string run, SKFont font)> Runs(string text)
    {
        var run = new StringBuilder();
        SKTypeface? current = null;
        foreach (var rune in text.EnumerateRunes())
        {
            // Combining marks and joiners stay with the character before them.
            var typeface = current is not null && Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
                ? current
                : TypefaceFor(rune.Value);
            if (current is not null && typeface != current)
            {
                yield return (run.ToString(), FontOf(current));
                run.Clear();
            }
            current = typeface;
            run.Append(rune.ToString());
        }
        if (current is not null) yield return (run.ToString(), FontOf(current));
    }

    private SKFont FontOf(SKTypeface typeface) => typeface == _font.Typeface ? _font : _fonts.GetOrAdd(typeface, Make);

    private SKFont Make(SKTypeface typeface) => new(typeface, Size)
    {
        Edging = SKFontEdging.Antialias,
        Hinting = SKFontHinting.Slight,
        Subpixel = true,
    };

    public void Dispose()
    {
        foreach (var font in _fonts.Values) font.Dispose();
        _fonts.Clear();
        _font.Dispose();
    }
}
