using CnnVis.Torch;

namespace CnnVis.Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void AddsAndCopiesOut()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = torch.ones(new long[] { 2, 2 });
        using var c = a + b;
        Assert.Equal(new float[] { 2, 3, 4, 5 }, c.data<float>());
        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.StartsWith("1.13", torch.__version__);
        using var v = a.view(4);
        using var s = v.sum();
        Assert.Equal(10f, s.item<float>());
        using var g = torch.tensor(new float[] { -1, 2 }, requires_grad: true);
        using var r = Op.Find("cnnvis::guided_relu").Call(g);
        using var rs = r.sum();
        rs.backward();
        using var gr = g.grad!;
        Assert.Equal(new float[] { 0, 1 }, gr.data<float>());
    }
}
