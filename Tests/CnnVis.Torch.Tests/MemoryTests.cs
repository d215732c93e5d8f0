using CnnVis.Torch.Modules;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>Training and inference loops inside dispose scopes leave no native tensor behind.</summary>
[Collection(SerialCollection.Name)]
public class MemoryTests
{
    /// <summary>The live count once garbage left by earlier tests has been finalized.</summary>
    private static long SettledLiveCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }

    private static Sequential SmallCnn() => torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding: 1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3));

    [Fact]
    public void TwoThousandTrainingStepsLeakNothing()
    {
        var start = SettledLiveCount();
        torch.manual_seed(0);
        using (var model = SmallCnn())
        using (var opt = torch.optim.Adam(model.parameters(), 0.01))
        using (var x = torch.randn(new long[] { 8, 1, 12, 12 }))
        using (var y = torch.randint(3, new long[] { 8 }))
        {
            double first = 0, last = 0;
            long baseline = 0;
            for (var i = 0; i < 2000; i++)
            {
                using (torch.NewDisposeScope())
                {
                    opt.zero_grad();
                    var loss = F.cross_entropy(model.call(x), y);
                    loss.backward();
                    opt.step();
                    last = loss.item<double>();
                }
                // Adam's moment buffers are made on the first step: count from after it.
                if (i == 0)
                {
                    first = last;
                    baseline = Tensor.LiveCount;
                }
                else if (i % 500 == 0)
                {
                    Assert.Equal(baseline, Tensor.LiveCount);
                }
            }
            Assert.Equal(baseline, Tensor.LiveCount);
            Assert.True(last < first / 2, $"the loss should fall on a fixed batch: {first} -> {last}");
            Assert.Equal(2000L, ((BatchNorm2d)model[1]).num_batches_tracked!.item<long>());
        }
        // Disposing the model and the optimizer frees their parameters, buffers and state too.
        Assert.Equal(start, Tensor.LiveCount);
    }

    [Fact]
    public void EvaluationAndAutogradGradLoopsLeakNothing()
    {
        var start = SettledLiveCount();
        using (var model = SmallCnn())
        using (var x = torch.randn(new long[] { 4, 1, 12, 12 }))
        {
            model.eval();
            for (var i = 0; i < 200; i++)
            {
                using var scope = torch.NewDisposeScope();
                using (torch.no_grad())
                {
                    var probs = F.softmax(model.call(x), 1);
                    var (top, index) = probs.topk(1);
                    Assert.Equal(new long[] { 4, 1 }, index.shape);
                }
                var input = x.detach().requires_grad_();
                var score = model.call(input)[.., 0].sum();
                var g = torch.autograd.grad(new[] { score }, new[] { input })[0]!;
                Assert.Equal(x.shape, g.shape);
                var sub = g[0, 0, 1..3];
                Assert.Equal(new long[] { 2, 12 }, sub.shape);
            }
        }
        Assert.Equal(start, Tensor.LiveCount);
    }

    [Fact]
    public void HooksGuidedReluAndLoadingLeakNothing()
    {
        var start = SettledLiveCount();
        using (var folder = Fixture.NewTempFolder())
        {
            using (var model = SmallCnn())
            {
                torch.save(model.state_dict(), folder.File("m.pt"));
                for (var i = 0; i < 50; i++)
                {
                    using var scope = torch.NewDisposeScope();
                    using var hook = model[2].register_forward_hook((_, _, output) => torch.ops.guided_relu(output));
                    var x = torch.randn(new long[] { 2, 1, 12, 12 }, requires_grad: true);
                    model.call(x).sum().backward();
                    Assert.NotNull(x.grad);
                    var loaded = torch.load(folder.File("m.pt"));
                    model.load_state_dict(loaded);
                    foreach (var t in loaded.Values) t.Dispose();
                    model.zero_grad();
                }
            }
            Assert.Equal(start, Tensor.LiveCount);

            // Loads that fail leave nothing behind either.
            Assert.Throws<TorchException>(() => torch.load(Fixture.Path("not_a_state_dict_int_value.pt")));
            Assert.Throws<TorchException>(() => torch.load(Fixture.Path("names_a_function.pt")));
            Assert.Equal(start, Tensor.LiveCount);
        }
    }

    [Fact]
    public void OptimizerStateDictsHandOutTheOptimizersOwnTensors()
    {
        var start = SettledLiveCount();
        using (var folder = Fixture.NewTempFolder())
        {
            using (var model = SmallCnn())
            using (var adam = torch.optim.Adam(model.parameters(), 0.01))
            using (var sgd = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9))
            using (var x = torch.randn(new long[] { 2, 1, 12, 12 }))
            {
                using (torch.NewDisposeScope())
                {
                    model.call(x).sum().backward();
                }
                adam.step();
                sgd.step();
                // Checkpoint code saves state dicts without disposing their tensors: they must belong to the optimizer.
                for (var i = 0; i < 5; i++)
                {
                    torch.save(adam.state_dict(), folder.File("adam.pt"));
                    torch.save(sgd.state_dict(), folder.File("sgd.pt"));
                }
                Assert.Equal(3 * 6, adam.state_dict().Count);
                Assert.Equal(6, sgd.state_dict().Count);
                Assert.Equal(1.0, adam.state_dict()["state.0.step"].item<double>());
                adam.step();
                Assert.Equal(2.0, adam.state_dict()["state.0.step"].item<double>());
                model.zero_grad();
            }
        }
        Assert.Equal(start, Tensor.LiveCount);
    }
}
