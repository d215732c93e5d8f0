using static CnnVis.Torch.Tests.HandReference;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>Gradients from autograd (torch.autograd.grad and Tensor.backward) against central finite differences in float64.</summary>
public class AutogradTests
{
    private const double Step = 1e-6;

    /// <summary>A scalar that weighs every output element differently, so each gradient entry is checked.</summary>
    private static Tensor WeightedSum(Tensor y)
    {
        using var r = torch.tensor(Numbers((int)y.numel(), 99), y.shape);
        return (y * r).sum();
    }

    /// <summary>d f / d inputs[which], by central differences with gradient recording off.</summary>
    private static double[] FiniteDifference(Func<Tensor[], Tensor> f, double[][] values, long[][] shapes, int which)
    {
        using var noGrad = torch.no_grad();
        var g = new double[values[which].Length];
        for (var k = 0; k < g.Length; k++)
        {
            double Eval(double delta)
            {
                using var scope = torch.NewDisposeScope();
                var shifted = values.Select(v => (double[])v.Clone()).ToArray();
                shifted[which][k] += delta;
                var inputs = shifted.Select((v, i) => torch.tensor(v, shapes[i])).ToArray();
                return f(inputs).item<double>();
            }
            g[k] = (Eval(Step) - Eval(-Step)) / (2 * Step);
        }
        return g;
    }

    /// <summary>Checks autograd.grad of f with respect to every input against finite differences.</summary>
    private static void CheckGradients(Func<Tensor[], Tensor> f, double[][] values, long[][] shapes)
    {
        using var scope = torch.NewDisposeScope();
        var inputs = values.Select((v, i) => torch.tensor(v, shapes[i], requires_grad: true)).ToArray();
        var loss = f(inputs);
        Assert.True(loss.requires_grad);
        var grads = torch.autograd.grad(new[] { loss }, inputs);
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.NotNull(grads[i]);
            Assert.Equal(shapes[i], grads[i]!.shape);
            TensorAssert.Close(FiniteDifference(f, values, shapes, i), grads[i]!, 1e-7, 1e-6);
        }
        // autograd.grad does not touch .grad.
        Assert.All(inputs, t => Assert.Null(t.grad));
    }

    [Fact]
    public void Conv2dGradients()
    {
        long[] xs = { 2, 2, 5, 4 }, ws = { 3, 2, 3, 3 }, bs = { 3 };
        CheckGradients(t => WeightedSum(F.conv2d(t[0], t[1], t[2], new long[] { 2, 1 }, new long[] { 1, 1 })),
            new[] { Numbers(80, 20), Numbers(54, 21), Numbers(3, 22) }, new[] { xs, ws, bs });
    }

    [Fact]
    public void BatchNormTrainingModeGradients()
    {
        long[] xs = { 3, 2, 2, 2 }, ps = { 2 };
        CheckGradients(t => WeightedSum(F.batch_norm(t[0], null, null, t[1], t[2], training: true)),
            new[] { Numbers(24, 23), new[] { 1.5, -0.7 }, new[] { 0.2, 0.1 } }, new[] { xs, ps, ps });
    }

    [Fact]
    public void LinearGradients()
    {
        CheckGradients(t => WeightedSum(F.linear(t[0], t[1], t[2])),
            new[] { Numbers(12, 24), Numbers(8, 25), Numbers(2, 26) }, new[] { new long[] { 3, 4 }, new long[] { 2, 4 }, new long[] { 2 } });
    }

    [Fact]
    public void MaxPool2dGradients()
    {
        // Random values have no near-ties, so the max is differentiable at this point.
        CheckGradients(t => WeightedSum(F.max_pool2d(t[0], new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 })),
            new[] { Numbers(2 * 6 * 5, 27) }, new[] { new long[] { 1, 2, 6, 5 } });
    }

    [Fact]
    public void CrossEntropyGradients()
    {
        var target = new long[] { 3, 0, 1 };
        CheckGradients(t =>
        {
            using var y = torch.tensor(target);
            return F.cross_entropy(t[0], y);
        }, new[] { Numbers(12, 28).Select(v => v * 2).ToArray() }, new[] { new long[] { 3, 4 } });
        CheckGradients(t =>
        {
            using var y = torch.tensor(target);
            using var w = torch.tensor(new[] { 1.0, 0.5, 2, 1.5 });
            return F.cross_entropy(t[0], y, w, label_smoothing: 0.1);
        }, new[] { Numbers(12, 29) }, new[] { new long[] { 3, 4 } });
    }

    [Fact]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverN()
    {
        using var scope = torch.NewDisposeScope();
        var logits = Numbers(8, 30);
        var x = torch.tensor(logits, new long[] { 2, 4 }, requires_grad: true);
        var loss = F.cross_entropy(x, torch.tensor(new long[] { 1, 3 }));
        var g = torch.autograd.grad(new[] { loss }, new[] { x })[0]!;
        var logp = LogSoftmaxRows(logits, 2, 4);
        var expected = logp.Select((v, k) => (Math.Exp(v) - ((k == 1 || k == 7) ? 1 : 0)) / 2).ToArray();
        TensorAssert.Close(expected, g, 1e-15);
    }

    [Fact]
    public void BackwardAccumulatesIntoLeafGradients()
    {
        using var scope = torch.NewDisposeScope();
        var xv = Numbers(6, 31);
        var wv = Numbers(4, 32);
        var x = torch.tensor(xv, new long[] { 3, 2 });
        var w = torch.tensor(wv, new long[] { 2, 2 }, requires_grad: true);
        Assert.True(w.is_leaf);
        Assert.Null(w.grad);
        var y = F.linear(x, w);
        Assert.False(y.is_leaf);
        var loss = WeightedSum(y);
        loss.backward(retain_graph: true);
        var expected = FiniteDifference(t => WeightedSum(F.linear(t[0], t[1])), new[] { xv, wv }, new[] { new long[] { 3, 2 }, new long[] { 2, 2 } }, 1);
        TensorAssert.Close(expected, w.grad!, 1e-7, 1e-6);
        // x does not require grad, so it gets none.
        Assert.Null(x.grad);
        // A second backward adds to .grad.
        loss.backward();
        TensorAssert.Close(expected.Select(v => 2 * v).ToArray(), w.grad!, 1e-7, 1e-6);
        // Setting .grad replaces it; null clears it.
        w.grad = torch.zeros_like(w);
        Assert.Equal(new double[4], w.grad!.data<double>());
        w.grad = null;
        Assert.Null(w.grad);
    }

    [Fact]
    public void BackwardWithAnUpstreamGradientIsAVectorJacobianProduct()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, -2, 3 }, requires_grad: true);
        var y = x * x * x;
        y.backward(torch.tensor(new[] { 1.0, 0.5, -1 }));
        // d(x³)/dx = 3x², times the upstream gradient.
        Assert.Equal(new[] { 3.0, 3 * 4 * 0.5, -27 }, x.grad!.data<double>());
    }

    [Fact]
    public void GradHandlesUnusedInputsAndSecondDerivatives()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 2.0, -1 }, requires_grad: true);
        var unused = torch.tensor(new[] { 5.0 }, new long[] { 1 }, requires_grad: true);
        var y = (x * x * x).sum();
        var grads = torch.autograd.grad(new[] { y }, new[] { x, unused }, retain_graph: true, allow_unused: true);
        Assert.Equal(new[] { 12.0, 3 }, grads[0]!.data<double>());
        Assert.Null(grads[1]);

        var first = torch.autograd.grad(new[] { y }, new[] { x }, create_graph: true)[0]!;
        Assert.True(first.requires_grad);
        var second = torch.autograd.grad(new[] { first.sum() }, new[] { x })[0]!;
        // d²(x³)/dx² = 6x.
        Assert.Equal(new[] { 12.0, -6 }, second.data<double>());

        // grad_outputs weigh a non-scalar output.
        var z = x * 3;
        var weighted = torch.autograd.grad(new[] { z }, new[] { x }, new Tensor?[] { torch.tensor(new[] { 1.0, -2 }) })[0]!;
        Assert.Equal(new[] { 3.0, -6 }, weighted.data<double>());
    }

    [Fact]
    public void NoGradStopsRecordingUntilDisposed()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2 }, requires_grad: true);
        Assert.True(torch.is_grad_enabled());
        Tensor inside;
        using (torch.no_grad())
        {
            Assert.False(torch.is_grad_enabled());
            inside = x * 2;
            Assert.False(inside.requires_grad);
            using (torch.enable_grad())
            {
                Assert.True(torch.is_grad_enabled());
                Assert.True((x * 2).requires_grad);
            }
            Assert.False(torch.is_grad_enabled());
        }
        Assert.True(torch.is_grad_enabled());
        Assert.True((x * 2).requires_grad);
        var e = Assert.Throws<TorchException>(() => inside.sum().backward());
        Assert.Contains("does not require grad", e.Message);

        // Disposing twice restores once.
        var ng = torch.no_grad();
        ng.Dispose();
        ng.Dispose();
        Assert.True(torch.is_grad_enabled());
    }

    [Fact]
    public void DetachCutsTheGraphButSharesStorage()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2 }, requires_grad: true);
        var y = x * 3;
        var d = y.detach();
        Assert.False(d.requires_grad);
        Assert.True(d.is_leaf);
        d.add_(1.0);
        Assert.Equal(new[] { 4.0, 7 }, y.data<double>());
        var p = torch.zeros(new long[] { 2 });
        Assert.False(p.requires_grad);
        Assert.Same(p, p.requires_grad_());
        Assert.True(p.requires_grad);
        p.requires_grad = false;
        Assert.False(p.requires_grad);
    }
}
