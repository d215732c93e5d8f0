namespace CnnVis.Torch.Tests;

/// <summary>Assertions comparing a tensor with numbers a test worked out by hand or by a second route.</summary>
internal static class TensorAssert
{
    /// <summary>The tensor's elements as doubles, in row-major order (any numeric or bool dtype).</summary>
    public static double[] Values(Tensor t)
    {
        using var d = t.detach();
        using var converted = d.to(ScalarType.Float64);
        return converted.data<double>();
    }

    public static void Shape(long[] expected, Tensor t) => Assert.Equal(expected, t.shape);

    /// <summary>Element-wise |expected - actual| ≤ atol + rtol·|expected|, naming the first element that is off.</summary>
    public static void Close(double[] expected, double[] actual, double atol = 1e-6, double rtol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            var e = expected[k];
            var a = actual[k];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            var limit = atol + rtol * Math.Abs(e);
            Assert.True(Math.Abs(e - a) <= limit, $"element {k}: expected {e:R}, got {a:R} (tolerance {limit:G3})");
        }
    }

    public static void Close(double[] expected, Tensor actual, double atol = 1e-6, double rtol = 1e-6) =>
        Close(expected, Values(actual), atol, rtol);

    public static void Close(Tensor expected, Tensor actual, double atol = 1e-6, double rtol = 1e-6)
    {
        Assert.Equal(expected.shape, actual.shape);
        Close(Values(expected), Values(actual), atol, rtol);
    }

    /// <summary>Exactly these elements and this shape.</summary>
    public static void Equal(double[] expected, long[] shape, Tensor actual)
    {
        Assert.Equal(shape, actual.shape);
        Assert.Equal(expected, Values(actual));
    }
}
