namespace CnnVis.Torch.Tests;

/// <summary>
/// Process-wide settings: the seed replays the global generator, the thread count changes. Serial, because a parallel
/// test drawing random numbers or running ops would interleave.
/// </summary>
[Collection(SerialCollection.Name)]
public class RuntimeSettingsTests
{
    private static double[] Draw()
    {
        using var scope = torch.NewDisposeScope();
        return TensorAssert.Values(torch.randn(new long[] { 4 }))
            .Concat(TensorAssert.Values(torch.rand(new long[] { 3 })))
            .Concat(TensorAssert.Values(torch.randint(100, new long[] { 3 })))
            .Concat(TensorAssert.Values(torch.randperm(5)))
            .Concat(TensorAssert.Values(torch.empty(new long[] { 2 }).normal_()))
            .Concat(TensorAssert.Values(torch.nn.functional.dropout(torch.ones(new long[] { 8 }), 0.5)))
            .ToArray();
    }

    [Fact]
    public void TheSameSeedGivesTheSameNumbers()
    {
        torch.manual_seed(3);
        var first = Draw();
        torch.manual_seed(3);
        Assert.Equal(first, Draw());
        torch.manual_seed(4);
        Assert.NotEqual(first, Draw());
    }

    [Fact]
    public void TheSameSeedGivesTheSameInitialWeights()
    {
        torch.manual_seed(21);
        using var a = torch.nn.Conv2d(2, 3, 3);
        torch.manual_seed(21);
        using var b = torch.nn.Conv2d(2, 3, 3);
        Assert.True(a.weight.equal(b.weight));
        Assert.True(a.bias!.equal(b.bias!));
    }

    [Fact]
    public void VersionThreadsAndDevice()
    {
        Assert.StartsWith("1.13", torch.__version__);
        var before = torch.get_num_threads();
        Assert.True(before >= 1);
        try
        {
            torch.set_num_threads(1);
            Assert.Equal(1, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
        Assert.Equal(before, torch.get_num_threads());
        var e = Assert.Throws<TorchException>(() => torch.set_num_threads(0));
        Assert.Contains("thread count must be positive, got 0", e.Message);
        Assert.Equal(before, torch.get_num_threads());
        using var t = torch.zeros(new long[] { 2, 3 });
        Assert.Equal(Device.CPU, t.device);
        Assert.Equal("cpu", t.device.ToString());
        Assert.Equal("Tensor[2x3, Float32, cpu]", t.ToString());
    }
}
