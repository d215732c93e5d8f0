namespace CnnVis.Visualizers.Rendering;

/// <summary>A rectangle of pixels in a rendered picture: left column <paramref name="X"/>, top row <paramref name="Y"/>.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;

    public int Bottom => Y + Height;

    public bool Contains(int x, int y) => x >= X && x < Right && y >= Y && y < Bottom;

    /// <summary>The same rectangle grown by <paramref name="by"/> pixels on every side.</summary>
    public PixelRect Inflate(int by) => new(X - by, Y - by, Width + 2 * by, Height + 2 * by);
}
