using CnnVis.Torch.Modules;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Sequential's choice of how to run its children is a setting of the module (FuseBatchNormRelu, StackConvolutions),
/// made in one place (StepAt) that forward follows; and the fused-inference setting follows async/await as dispose
/// scopes do.
/// </summary>
public class SequentialFusionTests
{
    private static Sequential Net() => new(
        new Conv2d(1, 4, 3, padding: 1, bias: false), new BatchNorm2d(4), new ReLU(),
        new MaxPool2d(2),
        new Conv2d(4, 4, 3, padding: 1), new ReLU(),
        new Flatten());

    [Fact]
    public void StepAtSaysWhichPathEachChildTakes()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Net();
        var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var afterConv = net[0].call(x);

        net.train();
        Assert.Equal(new SequentialStep(1, 2, SequentialPath.BatchNormRelu), net.StepAt(1, afterConv));
        Assert.Equal(new SequentialStep(0, 1, SequentialPath.Module), net.StepAt(0, x));
        net.FuseBatchNormRelu = false;
        Assert.Equal(new SequentialStep(1, 1, SequentialPath.Module), net.StepAt(1, afterConv));
        net.FuseBatchNormRelu = true;
        using (net[2].register_forward_hook((_, _, _) => null))
        {
            Assert.Equal(SequentialPath.Module, net.StepAt(1, afterConv).Path);
        }

        net.eval();
        using (torch.no_grad())
        {
            // Outside fused inference no stack; inside, the whole conv/BN/ReLU/pool run is one step.
            Assert.Equal(SequentialPath.Module, net.StepAt(0, x).Path);
            using var fused = torch.fused_inference();
            Assert.Equal(new SequentialStep(0, 6, SequentialPath.ConvStack), net.StepAt(0, x));
            Assert.Equal(SequentialPath.Module, net.StepAt(6, x).Path);
            net.StackConvolutions = false;
            Assert.Equal(SequentialPath.Module, net.StepAt(0, x).Path);
            Assert.Equal(SequentialPath.BatchNormRelu, net.StepAt(1, afterConv).Path);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => net.StepAt(7, x));
    }

    [Fact]
    public void ForwardTakesThePathsStepAtNames()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Net();
        net.eval();
        var x = torch.randn(new long[] { 3, 1, 8, 8 });
        using var noGrad = torch.no_grad();
        var reference = net[6].call(net[5].call(net[4].call(net[3].call(net[2].call(net[1].call(net[0].call(x)))))));

        Tensor stacked;
        using (var fused = torch.fused_inference(winograd: false))
        {
            stacked = net.call(x);
            Assert.Equal(1, fused.ScopeStackCalls);
        }
        TensorAssert.Close(reference, stacked, 1e-5, 1e-4);

        net.StackConvolutions = false;
        net.FuseBatchNormRelu = false;
        using (var fused = torch.fused_inference(winograd: false))
        {
            // Every child as a module: exactly the modules' own result, and no stack call.
            Assert.True(reference.equal(net.call(x)));
            Assert.Equal(0, fused.ScopeStackCalls);
        }
    }

    [Fact]
    public async Task FusedInferenceFollowsAwaitAndFlowsIntoTasks()
    {
        using var net = Net();
        net.eval();
        using var fused = torch.fused_inference();
        await Task.Yield();
        Assert.Same(fused, FusedInference.Current);
        // A task started inside the scope runs under it, on whatever thread it gets.
        await Task.Run(() =>
        {
            Assert.Same(fused, FusedInference.Current);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            net.call(torch.randn(new long[] { 1, 1, 8, 8 }));
        });
        Assert.Equal(1, fused.ScopeStackCalls);

        // A scope a task opens (and leaves open) stays in that task.
        await Task.Run(() => torch.fused_inference(winograd: false));
        Assert.Same(fused, FusedInference.Current);
    }
}
