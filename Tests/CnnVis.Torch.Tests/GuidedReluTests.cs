namespace CnnVis.Torch.Tests;

/// <summary>
/// The custom operators cnnvis::guided_relu and cnnvis::deconv_relu: ReLU forward, and the backward rules of
/// guided backprop (Springenberg et al.) and the deconvnet (Zeiler &amp; Fergus), on hand-made inputs.
/// </summary>
public class GuidedReluTests
{
    //                                       neg+neg neg+pos zero+pos pos+neg pos+pos pos+zero
    private static readonly double[] Input = { -2.0, -0.5, 0.0, 0.5, 2.0, 3.0 };
    private static readonly double[] Upstream = { -1.0, 4.0, 1.0, -1.0, 2.0, 0.0 };
    private static readonly double[] Forward = { 0, 0, 0, 0.5, 2.0, 3.0 };

    // Plain ReLU: upstream where input > 0, whatever its sign.
    private static readonly double[] ReluGrad = { 0, 0, 0, -1, 2, 0 };
    // Guided: only where input > 0 AND upstream > 0.
    private static readonly double[] GuidedGrad = { 0, 0, 0, 0, 2, 0 };
    // Deconvnet: positive upstream, whatever the input.
    private static readonly double[] DeconvGrad = { 0, 4, 1, 0, 2, 0 };

    public static TheoryData<string> Routes => new() { "torch.ops.guided_relu", "Op.Find", "torch.ops.invoke", "relu", "torch.ops.deconv_relu", "Op.Find deconv", "invoke deconv" };

    private static (Func<Tensor, Tensor> op, double[] grad) Route(string name) => name switch
    {
        "torch.ops.guided_relu" => (torch.ops.guided_relu, GuidedGrad),
        "Op.Find" => (x => Op.Find("cnnvis::guided_relu").Call(x), GuidedGrad),
        "torch.ops.invoke" => (x => (Tensor)torch.ops.invoke("cnnvis::guided_relu", x)[0]!, GuidedGrad),
        "relu" => (x => x.relu(), ReluGrad),
        "torch.ops.deconv_relu" => (torch.ops.deconv_relu, DeconvGrad),
        "Op.Find deconv" => (x => Op.Find("cnnvis::deconv_relu").Call(x), DeconvGrad),
        "invoke deconv" => (x => (Tensor)torch.ops.invoke("cnnvis::deconv_relu", x)[0]!, DeconvGrad),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void ForwardIsReluAndBackwardFollowsTheRule(string route)
    {
        using var scope = torch.NewDisposeScope();
        var (op, expectedGrad) = Route(route);
        var x = torch.tensor(Input, requires_grad: true);
        var y = op(x);
        Assert.Equal(Forward, y.data<double>());
        Assert.True(y.requires_grad);
        y.backward(torch.tensor(Upstream));
        Assert.Equal(expectedGrad, x.grad!.data<double>());
    }

    [Theory]
    [InlineData("cnnvis::guided_relu")]
    [InlineData("cnnvis::deconv_relu")]
    public void RuleAppliesInsideANetworkThroughAutogradGrad(string opName)
    {
        using var scope = torch.NewDisposeScope();
        // y = relu'(w · x) with w = [1, -1, 2]: the modified backward sits between two multiplications.
        var x = torch.tensor(new[] { 1.0, 1.0, -1.0 }, requires_grad: true);
        var w = torch.tensor(new[] { 1.0, -1.0, 2.0 });
        var pre = x * w;                          // [1, -1, -2]
        var y = Op.Find(opName).Call(pre);
        var upstream = torch.tensor(new[] { -3.0, 5.0, 7.0 });
        var g = torch.autograd.grad(new[] { y }, new[] { x }, new Tensor?[] { upstream })[0]!;
        // Guided: only element 0 has positive input, but its upstream is negative: all zero.
        // Deconv: positive upstream [0, 5, 7], times w.
        var expected = opName == "cnnvis::guided_relu" ? new[] { 0.0, 0, 0 } : new[] { 0.0, -5, 14 };
        Assert.Equal(expected, g.data<double>());

        var pos = torch.tensor(new[] { 2.0, 0.5 }, requires_grad: true);
        var z = Op.Find(opName).Call(pos * 3);
        var gz = torch.autograd.grad(new[] { z }, new[] { pos }, new Tensor?[] { torch.tensor(new[] { 1.0, 2.0 }) })[0]!;
        // Positive input and positive upstream: both rules pass the gradient through, times 3.
        Assert.Equal(new[] { 3.0, 6.0 }, gz.data<double>());
    }

    [Fact]
    public void WorksInFloat32AndOnImageShapedTensors()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { -1f, 2f, 3f, -4f }, new long[] { 1, 1, 2, 2 }, requires_grad: true);
        var y = torch.ops.guided_relu(x);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        y.backward(torch.tensor(new[] { 1f, -1f, 1f, 1f }, new long[] { 1, 1, 2, 2 }));
        Assert.Equal(new[] { 0f, 0f, 1f, 0f }, x.grad!.data<float>());
    }

    [Fact]
    public void OperatorsAreRegisteredWithTheirSchemas()
    {
        Assert.Equal("cnnvis::guided_relu(Tensor self) -> Tensor", Op.Find("cnnvis::guided_relu").Schema);
        Assert.Equal("cnnvis::deconv_relu(Tensor self) -> Tensor", Op.Find("cnnvis::deconv_relu").Schema);
        Assert.Equal("cnnvis::guided_relu", Op.Parse("cnnvis::guided_relu").QualifiedName);
    }
}
