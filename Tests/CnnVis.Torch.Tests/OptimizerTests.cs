using CnnVis.Torch.Optim;

namespace CnnVis.Torch.Tests;

/// <summary>SGD and Adam/AdamW on a 2-element parameter against the update rules worked through by hand.</summary>
public class OptimizerTests
{
    private static readonly double[] P0 = { 1.0, -2.0 };
    private static readonly double[][] Grads = { new[] { 0.5, -1.0 }, new[] { -0.25, 2.0 }, new[] { 1.5, 0.1 } };

    private static Parameter NewParameter(double[] values)
    {
        using var t = torch.tensor(values);
        return new Parameter(t);
    }

    private static void Step(Optimizer opt, Parameter p, double[] grad)
    {
        using (var g = torch.tensor(grad)) p.grad = g;
        opt.step();
    }

    /// <summary>torch.optim.SGD's rule, element by element.</summary>
    private static double[] HandSgd(double[] p0, IEnumerable<double[]> grads, double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var p = (double[])p0.Clone();
        double[]? buf = null;
        foreach (var g0 in grads)
        {
            var d = g0.Select((g, i) => g + wd * p[i]).ToArray();
            if (momentum != 0)
            {
                buf = buf is null ? (double[])d.Clone() : buf.Select((b, i) => momentum * b + (1 - dampening) * d[i]).ToArray();
                d = nesterov ? d.Select((x, i) => x + momentum * buf[i]).ToArray() : buf;
            }
            p = p.Select((x, i) => x - lr * d[i]).ToArray();
        }
        return p;
    }

    /// <summary>torch.optim.Adam's rule (or AdamW's with decoupled decay), element by element.</summary>
    private static double[] HandAdam(double[] p0, IEnumerable<double[]> grads, double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        var p = (double[])p0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var t = 0;
        foreach (var g0 in grads)
        {
            t++;
            for (var i = 0; i < p.Length; i++)
            {
                var g = g0[i];
                if (decoupled) p[i] *= 1 - lr * wd;
                else g += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                var mHat = m[i] / (1 - Math.Pow(b1, t));
                var vHat = v[i] / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        return p;
    }

    [Fact]
    public void PlainSgdStepsAgainstTheGradient()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, lr: 0.1);
        Step(opt, p, Grads[0]);
        // [1 - 0.1 · 0.5, -2 - 0.1 · -1]
        TensorAssert.Close(new[] { 0.95, -1.9 }, p, 1e-15);
        Step(opt, p, Grads[1]);
        TensorAssert.Close(new[] { 0.975, -2.1 }, p, 1e-15);
        Assert.Empty(opt.state_dict());
    }

    [Fact]
    public void SgdWithMomentumTwoStepsByHand()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9);
        Step(opt, p, Grads[0]);
        // buf = g1 = [0.5, -1]; p = [0.95, -1.9]
        TensorAssert.Close(new[] { 0.95, -1.9 }, p, 1e-15);
        Step(opt, p, Grads[1]);
        // buf = 0.9 · [0.5, -1] + [-0.25, 2] = [0.2, 1.1]; p = [0.95 - 0.02, -1.9 - 0.11]
        TensorAssert.Close(new[] { 0.93, -2.01 }, p, 1e-15);
        TensorAssert.Close(new[] { 0.2, 1.1 }, opt.state_dict()["state.0.momentum_buffer"], 1e-15);
    }

    [Fact]
    public void SgdWithNesterovTwoStepsByHand()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, nesterov: true);
        Step(opt, p, Grads[0]);
        // d = g1 + 0.9 · g1 = [0.95, -1.9]; p = [1 - 0.095, -2 + 0.19]
        TensorAssert.Close(new[] { 0.905, -1.81 }, p, 1e-15);
        Step(opt, p, Grads[1]);
        // buf = [0.2, 1.1]; d = [-0.25 + 0.18, 2 + 0.99] = [-0.07, 2.99]
        TensorAssert.Close(new[] { 0.912, -2.109 }, p, 1e-15);
    }

    [Fact]
    public void SgdWithWeightDecayByHand()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, lr: 0.1, weight_decay: 0.1);
        Step(opt, p, Grads[0]);
        // d = g + 0.1 · p = [0.6, -1.2]
        TensorAssert.Close(new[] { 0.94, -1.88 }, p, 1e-15);
    }

    [Theory]
    [InlineData(0.9, 0.0, 0.0, false)]
    [InlineData(0.9, 0.3, 0.0, false)]
    [InlineData(0.8, 0.0, 0.05, true)]
    [InlineData(0.0, 0.0, 0.2, false)]
    public void SgdThreeStepsMatchTheRule(double momentum, double dampening, double wd, bool nesterov)
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, 0.05, momentum, dampening, wd, nesterov);
        foreach (var g in Grads) Step(opt, p, g);
        TensorAssert.Close(HandSgd(P0, Grads, 0.05, momentum, dampening, wd, nesterov), p, 1e-14);
    }

    [Fact]
    public void AdamFirstStepMovesEachWeightByTheLearningRate()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.Adam(new[] { p }, lr: 0.1);
        Step(opt, p, Grads[0]);
        // m̂ = g and v̂ = g², so the step is lr · g / (|g| + eps) = ±0.1.
        TensorAssert.Close(new[] { 1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 1 / (1 + 1e-8) }, p, 1e-14);
        Step(opt, p, Grads[1]);
        // m = [0.9 · 0.05 - 0.025, 0.9 · -0.1 + 0.2] = [0.02, 0.11], v = 0.999 · v1 + 0.001 · g2².
        double[] m = { 0.02, 0.11 };
        double[] v = { 0.999 * 0.001 * 0.25 + 0.001 * 0.0625, 0.999 * 0.001 * 1 + 0.001 * 4 };
        var expected = new double[2];
        var afterFirst = new[] { 1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 / (1 + 1e-8) };
        for (var i = 0; i < 2; i++)
            expected[i] = afterFirst[i] - 0.1 / (1 - 0.81) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - 0.999 * 0.999) + 1e-8);
        TensorAssert.Close(expected, p, 1e-13);
    }

    [Fact]
    public void AdamWDecaysTheWeightsDirectly()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.AdamW(new[] { p }, lr: 0.1, weight_decay: 0.5);
        Step(opt, p, Grads[0]);
        // First p · (1 - 0.1 · 0.5) = [0.95, -1.9], then the ±0.1 Adam step.
        TensorAssert.Close(new[] { 0.95 - 0.1 * 0.5 / (0.5 + 1e-8), -1.9 + 0.1 / (1 + 1e-8) }, p, 1e-14);
        Assert.True(opt.Decoupled);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.1, false)]
    [InlineData(0.1, true)]
    public void AdamThreeStepsMatchTheRule(double wd, bool decoupled)
    {
        using var p = NewParameter(P0);
        using var opt = new Adam(new[] { p }, 0.01, 0.8, 0.99, 1e-6, wd, decoupled);
        foreach (var g in Grads) Step(opt, p, g);
        TensorAssert.Close(HandAdam(P0, Grads, 0.01, 0.8, 0.99, 1e-6, wd, decoupled), p, 1e-14);
    }

    [Fact]
    public void ParametersWithoutAGradientAreLeftAlone()
    {
        using var p = NewParameter(P0);
        using var q = NewParameter(new[] { 3.0 });
        using var opt = torch.optim.Adam(new[] { p, q }, lr: 0.1);
        Step(opt, p, Grads[0]);
        Assert.Equal(new[] { 3.0 }, q.data<double>());
        Assert.Equal(new[] { "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq" }, opt.state_dict().Keys);
        opt.zero_grad();
        Assert.Null(p.grad);
    }

    public static TheoryData<string> Optimizers => new() { "sgd-momentum", "sgd-nesterov", "adam", "adamw" };

    private static Optimizer Make(string kind, Parameter p) => kind switch
    {
        "sgd-momentum" => torch.optim.SGD(new[] { p }, 0.1, momentum: 0.9, dampening: 0.1, weight_decay: 0.01),
        "sgd-nesterov" => torch.optim.SGD(new[] { p }, 0.1, momentum: 0.9, nesterov: true),
        "adam" => torch.optim.Adam(new[] { p }, 0.05, weight_decay: 0.01),
        "adamw" => torch.optim.AdamW(new[] { p }, 0.05),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void StateDictRoundTripContinuesIdentically(string kind)
    {
        using var folder = Fixture.NewTempFolder();
        using var p = NewParameter(P0);
        using var original = Make(kind, p);
        Step(original, p, Grads[0]);
        Step(original, p, Grads[1]);
        torch.save(original.state_dict(), folder.File("opt.pt"));
        var afterTwo = p.data<double>();

        // A fresh optimizer on a parameter with the same values, restored from the file.
        using var q = NewParameter(afterTwo);
        using var restored = Make(kind, q);
        var state = torch.load(folder.File("opt.pt"));
        try
        {
            restored.load_state_dict(state);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        // And one that starts over, to show the state matters.
        using var r = NewParameter(afterTwo);
        using var fresh = Make(kind, r);

        Step(original, p, Grads[2]);
        Step(restored, q, Grads[2]);
        Step(fresh, r, Grads[2]);
        Assert.Equal(p.data<double>().Select(BitConverter.DoubleToInt64Bits), q.data<double>().Select(BitConverter.DoubleToInt64Bits));
        Assert.NotEqual(p.data<double>(), r.data<double>());
        Step(original, p, Grads[0]);
        Step(restored, q, Grads[0]);
        Assert.Equal(p.data<double>(), q.data<double>());
    }

    [Fact]
    public void OptimizerStateThatDoesNotFitIsAnError()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, 0.1, momentum: 0.9);
        using var wrong = torch.zeros(new long[] { 3 }, ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => opt.load_state_dict(new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = wrong }));
        Assert.Contains("'state.0.momentum_buffer' has shape [3] but parameter 0 has [2]", e.Message);
        using var adam = torch.optim.Adam(new[] { p });
        using var m = torch.zeros(new long[] { 2 }, ScalarType.Float64);
        var half = Assert.Throws<ArgumentException>(() => adam.load_state_dict(new Dictionary<string, Tensor> { ["state.0.exp_avg"] = m }));
        Assert.Contains("only one of exp_avg and exp_avg_sq", half.Message);
    }

    [Fact]
    public void BadHyperparametersAreRejected()
    {
        using var p = NewParameter(P0);
        Assert.Contains("no parameters", Assert.Throws<ArgumentException>(() => torch.optim.SGD(Array.Empty<Parameter>(), 0.1)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.SGD(new[] { p }, -1)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.SGD(new[] { p }, double.NaN)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => torch.optim.SGD(new[] { p }, 0.1, nesterov: true)).Message);
        Assert.Contains("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.SGD(new[] { p }, 0.1, momentum: -0.5)).Message);
        Assert.Contains("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.Adam(new[] { p }, beta1: 1)).Message);
        Assert.Contains("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.Adam(new[] { p }, beta2: -0.1)).Message);
        Assert.Contains("weight decay", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.AdamW(new[] { p }, weight_decay: -1)).Message);
    }

    [Fact]
    public void LearningRateCanChangeBetweenSteps()
    {
        using var p = NewParameter(P0);
        using var opt = torch.optim.SGD(new[] { p }, 0.1);
        opt.LearningRate = 1;
        Step(opt, p, Grads[0]);
        TensorAssert.Close(new[] { 0.5, -1.0 }, p, 1e-15);
    }
}
