using CnnVis.Torch.Modules;
using CnnVis.Torch.Optim;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Training moves batch norm's running statistics exactly as PyTorch does: from the initial weights and batches of
/// Fixtures/batch_norm_training.pt (made by make_batch_norm_training.py with PyTorch), the same SGD steps end with the
/// same running means and variances, in both memory layouts, with BatchNorm2d + ReLU fused and as two modules.
/// </summary>
public class BatchNormTrainingTests
{
    public static TheoryData<bool, bool> Modes => new() { { false, true }, { false, false }, { true, true }, { true, false } };

    // The fixture script's network and settings.
    private static Sequential Network(bool fuse) => new(
        new Conv2d(2, 6, 3, padding: 1, bias: false), new BatchNorm2d(6), new ReLU(),
        new Conv2d(6, 8, 3, padding: 1, bias: false), new BatchNorm2d(8), new ReLU(),
        new MaxPool2d(2),
        new Conv2d(8, 8, 3, padding: 1, bias: false), new BatchNorm2d(8), new ReLU(),
        new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 4))
    {
        FuseBatchNormRelu = fuse,
    };

    private static readonly int[] NormIndices = [1, 4, 8];

    [Theory]
    [MemberData(nameof(Modes))]
    public void RunningStatisticsAfterTrainingStepsMatchPyTorch(bool channelsLast, bool fuse)
    {
        using var scope = torch.NewDisposeScope();
        var fixture = torch.load(Fixture.Path("batch_norm_training.pt"));
        using var model = Network(fuse);
        model.load_state_dict(fixture.Where(kv => kv.Key.StartsWith("init.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["init.".Length..], kv => kv.Value));
        if (channelsLast) model.to(MemoryFormat.ChannelsLast);
        using var optimizer = new SGD(model.parameters(), 0.05, momentum: 0.9);
        var x = fixture["x"];
        var y = fixture["y"];
        var steps = x.size(0);
        var losses = new List<double>();

        model.train();
        // The fusion asked for is the one the forward takes, in training.
        var probe = x[0];
        Assert.Equal(fuse ? SequentialPath.BatchNormRelu : SequentialPath.Module, model.StepAt(1, model[0].call(probe)).Path);
        for (var step = 0; step < steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var images = channelsLast ? x[step].contiguous(MemoryFormat.ChannelsLast) : x[step];
            optimizer.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.call(images), y[step]);
            losses.Add(loss.item<double>());
            loss.backward();
            optimizer.step();
        }

        TensorAssert.Close(TensorAssert.Values(fixture["losses"]), losses.ToArray(), 1e-5, 1e-4);
        foreach (var k in NormIndices)
        {
            var bn = (BatchNorm2d)model[k];
            TensorAssert.Close(fixture[$"final.{k}.running_mean"], bn.running_mean!, 1e-5, 1e-4);
            TensorAssert.Close(fixture[$"final.{k}.running_var"], bn.running_var!, 1e-5, 1e-4);
            Assert.Equal(steps, bn.num_batches_tracked!.item<long>());
            Assert.Equal(fixture[$"final.{k}.num_batches_tracked"].item<long>(), bn.num_batches_tracked!.item<long>());
        }
        // The weights followed the same path, so the statistics were not matched by chance.
        foreach (var (name, p) in model.named_parameters())
            TensorAssert.Close(fixture[$"final.{name}"], p, 1e-5, 1e-4);
    }
}
