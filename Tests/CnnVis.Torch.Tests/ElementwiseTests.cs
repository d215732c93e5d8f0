namespace CnnVis.Torch.Tests;

/// <summary>Element-wise operators of Tensor.Math.cs and torch.Functions.cs against System.Math on the same numbers.</summary>
public class ElementwiseTests
{
    private static readonly double[] Mixed = { -2.5, -0.75, 0, 0.5, 1.5, 2.5, 3.25 };
    private static readonly double[] Positive = { 0.25, 0.5, 1, 2.25, 4, 9.5 };

    private static readonly Dictionary<string, (Func<Tensor, Tensor> op, Func<double, double> hand, bool positiveOnly)> Unary = new()
    {
        ["neg"] = (t => t.neg(), x => -x, false),
        ["unary minus"] = (t => -t, x => -x, false),
        ["abs"] = (t => t.abs(), Math.Abs, false),
        ["torch.abs"] = (torch.abs, Math.Abs, false),
        ["exp"] = (t => t.exp(), Math.Exp, false),
        ["torch.exp"] = (torch.exp, Math.Exp, false),
        ["log"] = (t => t.log(), Math.Log, true),
        ["torch.log"] = (torch.log, Math.Log, true),
        ["sqrt"] = (t => t.sqrt(), Math.Sqrt, true),
        ["torch.sqrt"] = (torch.sqrt, Math.Sqrt, true),
        ["rsqrt"] = (t => t.rsqrt(), x => 1 / Math.Sqrt(x), true),
        ["sigmoid"] = (t => t.sigmoid(), x => 1 / (1 + Math.Exp(-x)), false),
        ["torch.sigmoid"] = (torch.sigmoid, x => 1 / (1 + Math.Exp(-x)), false),
        ["tanh"] = (t => t.tanh(), Math.Tanh, false),
        ["relu"] = (t => t.relu(), x => x > 0 ? x : 0, false),
        ["torch.relu"] = (torch.relu, x => x > 0 ? x : 0, false),
        ["sign"] = (t => t.sign(), x => Math.Sign(x), false),
        ["floor"] = (t => t.floor(), Math.Floor, false),
        // PyTorch rounds halves to even, as Math.Round does by default.
        ["round"] = (t => t.round(), x => Math.Round(x, MidpointRounding.ToEven), false),
        ["clamp(-1, 1)"] = (t => t.clamp(-1, 1), x => Math.Min(1, Math.Max(-1, x)), false),
        ["clamp(min: 0.5)"] = (t => t.clamp(min: 0.5), x => Math.Max(0.5, x), false),
        ["clamp(max: 0.5)"] = (t => t.clamp(max: 0.5), x => Math.Min(0.5, x), false),
        ["torch.clamp"] = (t => torch.clamp(t, -2, 2), x => Math.Min(2, Math.Max(-2, x)), false),
        ["clamp_min"] = (t => t.clamp_min(0.1), x => Math.Max(0.1, x), false),
        ["clamp_max"] = (t => t.clamp_max(0.1), x => Math.Min(0.1, x), false),
        ["pow(3)"] = (t => t.pow(3), x => x * x * x, false),
        ["pow(0.5)"] = (t => t.pow(0.5), Math.Sqrt, true),
        ["reciprocal via 1 / t"] = (t => 1.0 / t, x => 1 / x, true),
        ["sqrt_"] = (t => t.clone().sqrt_(), Math.Sqrt, true),
        ["clamp_"] = (t => t.clone().clamp_(-1, 2), x => Math.Min(2, Math.Max(-1, x)), false),
    };

    public static TheoryData<string> UnaryNames => new(Unary.Keys);

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryOperatorMatchesMath(string name)
    {
        using var scope = torch.NewDisposeScope();
        var (op, hand, positiveOnly) = Unary[name];
        var input = positiveOnly ? Positive : Mixed;
        var x = torch.tensor(input, new long[] { 1, input.Length });
        var y = op(x);
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.Equal(new long[] { 1, input.Length }, y.shape);
        TensorAssert.Close(input.Select(hand).ToArray(), y, 1e-12, 1e-12);
        // The input is never changed by an out-of-place operator.
        Assert.Equal(input, x.data<double>());
    }

    [Fact]
    public void Float32OperatorsKeepFloat32()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 0.5f, -1.25f, 2f });
        var y = (x * x + 1).exp();
        Assert.Equal(ScalarType.Float32, y.dtype);
        TensorAssert.Close(new[] { Math.Exp(1.25), Math.Exp(2.5625), Math.Exp(5) }, y, 0, 1e-6);
    }

    private static readonly double[] A = { 1.5, -2, 3, 0.5 };
    private static readonly double[] B = { 2, 4, -1.5, 0.25 };

    private static readonly Dictionary<string, (Func<Tensor, Tensor, Tensor> op, Func<double, double, double> hand)> Binary = new()
    {
        ["a + b"] = ((a, b) => a + b, (a, b) => a + b),
        ["a - b"] = ((a, b) => a - b, (a, b) => a - b),
        ["a * b"] = ((a, b) => a * b, (a, b) => a * b),
        ["a / b"] = ((a, b) => a / b, (a, b) => a / b),
        ["add(b, alpha 3)"] = ((a, b) => a.add(b, 3), (a, b) => a + 3 * b),
        ["sub(b, alpha 0.5)"] = ((a, b) => a.sub(b, 0.5), (a, b) => a - 0.5 * b),
        ["mul(b)"] = ((a, b) => a.mul(b), (a, b) => a * b),
        ["div(b)"] = ((a, b) => a.div(b), (a, b) => a / b),
        ["abs(a).pow(b)"] = ((a, b) => a.abs().pow(b), (a, b) => Math.Pow(Math.Abs(a), b)),
        ["maximum"] = ((a, b) => a.maximum(b), Math.Max),
        ["minimum"] = ((a, b) => a.minimum(b), Math.Min),
        ["torch.maximum"] = (torch.maximum, Math.Max),
        ["torch.minimum"] = (torch.minimum, Math.Min),
        ["a + 2.5"] = ((a, _) => a + 2.5, (a, _) => a + 2.5),
        ["2.5 + a"] = ((a, _) => 2.5 + a, (a, _) => 2.5 + a),
        ["a - 2.5"] = ((a, _) => a - 2.5, (a, _) => a - 2.5),
        ["2.5 - a"] = ((a, _) => 2.5 - a, (a, _) => 2.5 - a),
        ["a * 2.5"] = ((a, _) => a * 2.5, (a, _) => a * 2.5),
        ["2.5 * a"] = ((a, _) => 2.5 * a, (a, _) => 2.5 * a),
        ["a / 2.5"] = ((a, _) => a / 2.5, (a, _) => a / 2.5),
        ["2.5 / a"] = ((a, _) => 2.5 / a, (a, _) => 2.5 / a),
        ["add(2.5)"] = ((a, _) => a.add(2.5), (a, _) => a + 2.5),
        ["mul(2.5)"] = ((a, _) => a.mul(2.5), (a, _) => a * 2.5),
        ["div(2.5)"] = ((a, _) => a.div(2.5), (a, _) => a / 2.5),
    };

    public static TheoryData<string> BinaryNames => new(Binary.Keys);

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void BinaryOperatorMatchesMath(string name)
    {
        using var scope = torch.NewDisposeScope();
        var (op, hand) = Binary[name];
        var a = torch.tensor(A);
        var b = torch.tensor(B);
        var y = op(a, b);
        TensorAssert.Close(A.Zip(B, hand).ToArray(), y, 1e-12, 1e-12);
        Assert.Equal(A, a.data<double>());
        Assert.Equal(B, b.data<double>());
    }

    [Fact]
    public void BinaryOperatorsBroadcast()
    {
        using var scope = torch.NewDisposeScope();
        var column = torch.tensor(new[] { 10.0, 20.0 }, new long[] { 2, 1 });
        var row = torch.tensor(new[] { 1.0, 2.0, 3.0 });
        TensorAssert.Equal(new[] { 11.0, 12, 13, 21, 22, 23 }, new long[] { 2, 3 }, column + row);
        TensorAssert.Equal(new[] { 10.0, 20, 30, 20, 40, 60 }, new long[] { 2, 3 }, column * row);
    }

    [Fact]
    public void IntegerArithmeticStaysInteger()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new long[] { 7, -7, 9 });
        var b = torch.tensor(new long[] { 2, 2, 3 });
        var sum = a + b;
        Assert.Equal(ScalarType.Int64, sum.dtype);
        Assert.Equal(new long[] { 9, -5, 12 }, sum.data<long>());
        // True division promotes to floating point, as in PyTorch.
        var quotient = a / b;
        Assert.Equal(ScalarType.Float32, quotient.dtype);
        Assert.Equal(new[] { 3.5f, -3.5f, 3f }, quotient.data<float>());
    }

    [Fact]
    public void InPlaceOperatorsChangeTheTensorAndReturnIt()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.tensor(new[] { 1.0, -2.0, 4.0 });
        var other = torch.tensor(new[] { 0.5, 2.0, -1.0 });

        Assert.Same(t, t.add_(other, 2));
        Assert.Equal(new[] { 2.0, 2.0, 2.0 }, t.data<double>());
        Assert.Same(t, t.add_(1.5));
        Assert.Equal(new[] { 3.5, 3.5, 3.5 }, t.data<double>());
        Assert.Same(t, t.sub_(other, 3));
        Assert.Equal(new[] { 2.0, -2.5, 6.5 }, t.data<double>());
        Assert.Same(t, t.mul_(other));
        Assert.Equal(new[] { 1.0, -5.0, -6.5 }, t.data<double>());
        Assert.Same(t, t.mul_(-2));
        Assert.Equal(new[] { -2.0, 10.0, 13.0 }, t.data<double>());
        Assert.Same(t, t.div_(other));
        Assert.Equal(new[] { -4.0, 5.0, -13.0 }, t.data<double>());
        Assert.Same(t, t.div_(4));
        Assert.Equal(new[] { -1.0, 1.25, -3.25 }, t.data<double>());

        var u = torch.tensor(new[] { 1.0, 2.0, 3.0 });
        var p = torch.tensor(new[] { 2.0, 3.0, 4.0 });
        var q = torch.tensor(new[] { 4.0, 6.0, 8.0 });
        Assert.Same(u, u.addcmul_(p, q, 0.5));
        Assert.Equal(new[] { 1 + 0.5 * 8, 2 + 0.5 * 18, 3 + 0.5 * 32 }, u.data<double>());
        Assert.Same(u, u.addcdiv_(p, q, -2));
        Assert.Equal(new[] { 5 - 2 * 0.5, 11 - 2 * 0.5, 19 - 2 * 0.5 }, u.data<double>());
        Assert.Same(u, u.lerp_(q, 0.25));
        Assert.Equal(new[] { 4 + 0.25 * (4 - 4), 10 + 0.25 * (6 - 10), 18 + 0.25 * (8 - 18) }, u.data<double>());
        Assert.Same(u, u.copy_(p));
        Assert.Equal(new[] { 2.0, 3.0, 4.0 }, u.data<double>());
        Assert.Same(u, u.fill_(-7.5));
        Assert.Equal(new[] { -7.5, -7.5, -7.5 }, u.data<double>());
        Assert.Same(u, u.zero_());
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, u.data<double>());

        var r = torch.tensor(new[] { -1.5, 0.0, 2.5, double.NaN });
        Assert.Same(r, r.relu_());
        Assert.Equal(new[] { 0.0, 0.0, 2.5, double.NaN }, r.data<double>());

        var n = torch.tensor(new long[] { 1, 2 });
        Assert.Same(n, n.add_(5L));
        Assert.Equal(new long[] { 6, 7 }, n.data<long>());
    }

    [Fact]
    public void InPlaceOperatorsWriteThroughViews()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.zeros(new long[] { 2, 3 });
        t.select(0, 1).fill_(4);
        t.narrow(1, 0, 1).add_(1.0);
        Assert.Equal(new[] { 1f, 0, 0, 5, 4, 4 }, t.data<float>());
    }

    [Fact]
    public void RandomInPlaceInitialisersFollowTheirDistribution()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var u = torch.empty(new long[] { 20000 }, ScalarType.Float64).uniform_(-3, 5);
        var uv = u.data<double>();
        Assert.All(uv, x => Assert.InRange(x, -3, 5));
        Assert.InRange(uv.Average(), 0.9, 1.1);
        var n = torch.empty(new long[] { 20000 }, ScalarType.Float64).normal_(2, 0.5);
        var nv = n.data<double>();
        var mean = nv.Average();
        var sd = Math.Sqrt(nv.Select(x => (x - mean) * (x - mean)).Sum() / (nv.Length - 1));
        Assert.InRange(mean, 1.98, 2.02);
        Assert.InRange(sd, 0.48, 0.52);
    }

    [Fact]
    public void ComparisonsGiveBoolTensors()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2.0, 3.0 });
        var b = torch.tensor(new[] { 3.0, 2.0, 1.0 });
        void Check(Tensor r, params bool[] expected)
        {
            Assert.Equal(ScalarType.Bool, r.dtype);
            Assert.Equal(expected, r.data<bool>());
        }
        Check(a.eq(b), false, true, false);
        Check(a.ne(b), true, false, true);
        Check(a.gt(b), false, false, true);
        Check(a.lt(b), true, false, false);
        Check(a.ge(b), false, true, true);
        Check(a.le(b), true, true, false);
        Check(a.eq(2), false, true, false);
        Check(a.ne(2), true, false, true);
        Check(a.gt(2), false, false, true);
        Check(a.lt(2), true, false, false);
        Check(a.ge(2), false, true, true);
        Check(a.le(2), true, true, false);
        Check(a.gt(1).logical_and(a.lt(3)), false, true, false);
        Check(a.gt(1).logical_not(), true, false, false);
    }

    [Fact]
    public void WhereAndMaskedFillPickElements()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2.0, 3.0, 4.0 });
        var b = torch.tensor(new[] { -1.0, -2.0, -3.0, -4.0 });
        var mask = torch.tensor(new[] { true, false, false, true });
        Assert.Equal(new[] { 1.0, -2, -3, 4 }, torch.where(mask, a, b).data<double>());
        Assert.Equal(new[] { 1.0, -2, -3, 4 }, a.where(mask, b).data<double>());
        Assert.Equal(new[] { 9.0, 2, 3, 9 }, a.masked_fill(mask, 9).data<double>());
    }

    [Fact]
    public void AllcloseAndEqualCompareWholeTensors()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2.0 });
        var near = torch.tensor(new[] { 1.0 + 1e-9, 2.0 });
        var far = torch.tensor(new[] { 1.01, 2.0 });
        Assert.True(a.allclose(near));
        Assert.True(torch.allclose(a, near));
        Assert.False(a.allclose(far));
        Assert.True(a.allclose(far, rtol: 0, atol: 0.02));
        Assert.True(a.equal(a.clone()));
        Assert.False(a.equal(near));
    }

    [Fact]
    public void MatmulAndMmMatchAHandLoop()
    {
        using var scope = torch.NewDisposeScope();
        double[] a = { 1, 2, -1, 0.5, 3, 4 };           // 2x3
        double[] bm = { 2, -1, 0, 1, 5, 0.25 };         // 3x2
        var expected = new double[4];
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 2; j++)
                for (var k = 0; k < 3; k++)
                    expected[i * 2 + j] += a[i * 3 + k] * bm[k * 2 + j];
        var ta = torch.tensor(a, new long[] { 2, 3 });
        var tb = torch.tensor(bm, new long[] { 3, 2 });
        TensorAssert.Equal(expected, new long[] { 2, 2 }, ta.matmul(tb));
        TensorAssert.Equal(expected, new long[] { 2, 2 }, ta.mm(tb));
        TensorAssert.Equal(expected, new long[] { 2, 2 }, torch.matmul(ta, tb));

        // Batched [2, 2, 3] x [3, 2]: each batch against the same matrix.
        var batch = torch.stack(new[] { ta, ta * 2 });
        var product = batch.matmul(tb);
        TensorAssert.Equal(expected.Concat(expected.Select(x => 2 * x)).ToArray(), new long[] { 2, 2, 2 }, product);

        // Matrix x vector.
        var v = torch.tensor(new[] { 1.0, -1.0, 2.0 });
        TensorAssert.Equal(new[] { 1 - 2 - 2.0, 0.5 - 3 + 8 }, new long[] { 2 }, ta.matmul(v));
    }
}
