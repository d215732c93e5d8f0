namespace CnnVis.Training.Data;

/// <summary>
/// A small, fast random stream (SplitMix64) whose output depends only on the values it was keyed with,
/// on every platform and .NET version (System.Random promises neither), so shuffles, augmentations and
/// synthetic images can be reproduced from (seed, epoch, index) alone.
/// </summary>
internal struct SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong state) => _state = state;

    /// <summary>A stream keyed by several values; different keys give unrelated streams.</summary>
    public static SeededRandom For(long a, long b = 0, long c = 0, long d = 0) => new(Key(a, b, c, d));

    public static ulong Key(long a, long b = 0, long c = 0, long d = 0)
    {
        var h = Finish(unchecked((ulong)a) + 0x9E3779B97F4A7C15UL);
        h = Finish(h ^ unchecked((ulong)b + 0x632BE59BD9B4E019UL));
        h = Finish(h ^ unchecked((ulong)c + 0x85157AF5D2B5E1A1UL));
        return Finish(h ^ unchecked((ulong)d + 0xC2B2AE3D27D4EB4FUL));
    }

    public ulong NextULong()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Finish(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform in [0, n), without modulo bias worth speaking of (Lemire's multiply-shift).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"the range must be positive, got {n}");
        return (int)(((NextULong() >> 32) * (ulong)n) >> 32);
    }

    public bool NextBool() => (NextULong() >> 63) != 0;

    /// <summary>Puts <paramref name="items"/> in a uniformly random order (Fisher–Yates).</summary>
    public void Shuffle(Span<int> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Finish(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
