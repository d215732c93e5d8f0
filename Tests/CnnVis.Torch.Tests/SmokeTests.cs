using CnnVis.Torch;

namespace CnnVis.Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void TrainsASmallCnnWithoutLeaking()
    {
        torch.manual_seed(0);
        using var model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding: 1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 3));
        using var opt = torch.optim.Adam(model.parameters(), 0.01);
        using var x = torch.randn(new long[] { 16, 1, 8, 8 });
        using var y = torch.randint(3, new long[] { 16 });
        long start = 0;
        double first = 0, last = 0;
        for (var i = 0; i < 50; i++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            opt.step();
            last = loss.item<double>();
            if (i == 0) { first = last; scope.Dispose(); start = Tensor.LiveCount; }
        }
        Assert.True(last < first, $"loss {first} -> {last}");
        Assert.Equal(start, Tensor.LiveCount);
        var sd = model.state_dict();
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "6.weight", "6.bias" }, sd.Keys);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var a = torch.ones(new long[] { 2 });
        for (var i = 0; i < 20000; i++) { using var b = a + a; }
        Console.WriteLine($"overhead {sw.Elapsed.TotalMicroseconds / 20000:F2} us");
    }
}
