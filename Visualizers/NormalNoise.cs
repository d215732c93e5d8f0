using CnnVis.Torch;

namespace CnnVis.Visualizers;

/// <summary>
/// Standard normal noise from its own seeded generator, not libtorch's: explaining must not move the global
/// random state that the training's shuffling and dropout draw from. A stream gives the same values however it
/// is cut into chunks.
/// </summary>
internal sealed class NormalNoise(int seed)
{
    private readonly Random _random = new(seed);
    private double? _spare;

    /// <summary>The next values of the stream, float32 with <paramref name="shape"/>.</summary>
    public Tensor Next(long[] shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        var values = new float[count];
        for (long k = 0; k < count; k++) values[k] = (float)Sample();
        return torch.tensor(values, shape);
    }

    // Box-Muller: two uniforms give two independent normals; the second is kept for the next call.
    private double Sample()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }
}
