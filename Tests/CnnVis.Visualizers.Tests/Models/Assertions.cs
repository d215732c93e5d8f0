using CnnVis.Torch;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>Tensor comparisons that say where two tensors differ.</summary>
public static class Assertions
{
    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var e = expected.to(ScalarType.Float64);
        using var a = actual.to(ScalarType.Float64);
        var ev = e.data<double>();
        var av = a.data<double>();
        var scale = Math.Max(1.0, ev.Max(Math.Abs));
        for (var i = 0; i < ev.Length; i++)
        {
            if (Math.Abs(ev[i] - av[i]) > tolerance * scale)
                Assert.Fail($"element {i} differs: expected {ev[i]}, got {av[i]} (tolerance {tolerance * scale})");
        }
    }

    public static double[] Values(Tensor t)
    {
        using var d = t.to(ScalarType.Float64);
        return d.data<double>();
    }
}
