using SkiaSharp;

namespace CnnVis.Visualizers.Rendering;

/// <summary>A colour of a rendered picture, 8 bits per channel.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb White { get; } = new(255, 255, 255);

    public static Rgb Black { get; } = new(0, 0, 0);

    public static Rgb Grey(byte level) => new(level, level, level);

    internal SKColor ToSkia() => new(R, G, B);

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}
