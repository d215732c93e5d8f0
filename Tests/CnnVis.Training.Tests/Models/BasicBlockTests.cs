using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Models;
using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Training.Tests.Models;

/// <summary>
/// The residual block against its definition written out in functional operators (conv, batch norm, ReLU, the
/// shortcut, one at a time, out of place), in both modes and layouts: its fused batch norm + ReLU and its in-place
/// residual sum and ReLU compute the same values, gradients and running statistics, and hooks see what they would see
/// from the modules run one by one.
/// </summary>
public class BasicBlockTests
{
    public static TheoryData<bool, bool, bool> Cases => new()
    {
        { true, true, true }, { true, true, false }, { true, false, true }, { true, false, false },
        { false, true, true }, { false, false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComputesTheResidualBlocksDefinition(bool training, bool channelsLast, bool projection)
    {
        using var scope = torch.NewDisposeScope();
        var (block, reference) = Pair(projection);
        block.train(training);
        var x1 = Input(channelsLast, seed: 1);
        var x2 = Input(channelsLast, seed: 1);
        var y = block.call(x1);
        var expected = Definition(reference, x2, training, projection, relu: t => t.relu(), bn2Output: null);
        AssertClose(expected, y, 1e-5);
        Assert.Equal(channelsLast, y.is_contiguous(MemoryFormat.ChannelsLast) && !y.is_contiguous());

        var r = torch.randn(y.shape);
        var g1 = torch.autograd.grad(new[] { (y * r).sum() }, new Tensor[] { x1 }.Concat(block.parameters()).ToList());
        var g2 = torch.autograd.grad(new[] { (expected * r).sum() }, new Tensor[] { x2 }.Concat(reference.Values.Where(t => t.requires_grad)).ToList());
        for (var k = 0; k < g1.Length; k++) AssertClose(g2[k]!, g1[k]!, 2e-4);
        foreach (var (name, t) in block.state_dict())
        {
            if (name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal))
                AssertClose(reference[name], t, 1e-5);
        }
        Assert.Equal(training ? 1 : 0, block.state_dict()["bn2.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void AHookOnTheSecondBatchNormKeepsItsOutputNotTheResidualSum()
    {
        using var scope = torch.NewDisposeScope();
        var (block, reference) = Pair(projection: false);
        Tensor? kept = null;
        Tensor y;
        using (block.get_submodule("bn2").register_forward_hook((_, _, output) => { kept = output.alias(); return null; }))
        {
            y = block.call(Input(channelsLast: true, seed: 2));
        }
        var bn2Output = new List<Tensor>();
        var expected = Definition(reference, Input(channelsLast: true, seed: 2), training: true, projection: false, relu: t => t.relu(), bn2Output);
        Assert.NotNull(kept);
        AssertClose(bn2Output[0], kept!, 1e-5);
        Assert.True(kept!.min().item<float>() < 0, "the kept batch-norm output was rectified");
        AssertClose(expected, y, 1e-5);
    }

    [Fact]
    public void AHookOnTheReluSeesBothInputsBeforeRectificationAndCanReplaceTheOutput()
    {
        using var scope = torch.NewDisposeScope();
        var (block, reference) = Pair(projection: true);
        var inputMinima = new List<float>();
        Tensor y;
        // Like guided backprop's rule: the hook computes its own output from the ReLU's input.
        using (block.get_submodule("relu").register_forward_hook((_, input, _) => { inputMinima.Add(input.min().item<float>()); return input.abs(); }))
        {
            y = block.call(Input(channelsLast: true, seed: 3));
        }
        Assert.Equal(2, inputMinima.Count);
        Assert.All(inputMinima, m => Assert.True(m < 0, $"the ReLU's input was already rectified (minimum {m})"));
        var expected = Definition(reference, Input(channelsLast: true, seed: 3), training: true, projection: true, relu: t => t.abs(), bn2Output: null);
        AssertClose(expected, y, 1e-5);
    }

    [Fact]
    public void AResNetTrainsTheSameWhetherEveryModuleIsHookedOrNone()
    {
        using var scope = torch.NewDisposeScope();
        var plain = ImageNetResNet18.Untrained(5, [1, 1, 1, 1]);
        var hooked = ImageNetResNet18.Untrained(5, [1, 1, 1, 1]);
        hooked.load_state_dict(plain.state_dict());
        plain.to(MemoryFormat.ChannelsLast);
        hooked.to(MemoryFormat.ChannelsLast);
        var hooks = hooked.named_modules().Where(m => m.name.Length > 0).Select(m => m.module.register_forward_hook((_, _, _) => null)).ToList();
        var x = Input(channelsLast: true, seed: 4, channels: 3, size: 32);
        var labels = torch.tensor(new long[] { 0, 3, 4, 1 });
        try
        {
            F.cross_entropy(plain.call(x), labels).backward();
            F.cross_entropy(hooked.call(x), labels).backward();
        }
        finally
        {
            foreach (var h in hooks) h.Dispose();
        }
        var p1 = plain.named_parameters().ToList();
        var p2 = hooked.named_parameters().ToList();
        Assert.Equal(p2.Select(p => p.name), p1.Select(p => p.name));
        for (var k = 0; k < p1.Count; k++) AssertClose(p2[k].parameter.grad!, p1[k].parameter.grad!, 1e-4, p1[k].name);
        var s1 = plain.state_dict();
        foreach (var (name, t) in hooked.state_dict()) AssertClose(t, s1[name], 1e-5, name);
    }

    /// <summary>A block with a stride-2 projection shortcut (8 to 16 channels) or an identity one (8 channels), its state
    /// (batch norms' affine parameters moved off 1 and 0) and a copy of that state for the definition to use.</summary>
    private static (BasicBlock block, Dictionary<string, Tensor> reference) Pair(bool projection)
    {
        torch.manual_seed(7);
        var block = projection ? new BasicBlock(8, 16, stride: 2) : new BasicBlock(8, 8);
        using (torch.no_grad())
        {
            foreach (var (name, p) in block.named_parameters())
            {
                if (name.Contains("bn", StringComparison.Ordinal) || name.StartsWith("downsample.1", StringComparison.Ordinal))
                    p.add_(torch.randn(p.shape).mul_(0.3));
            }
        }
        var reference = block.state_dict().ToDictionary(e => e.Key, e =>
        {
            var copy = e.Value.detach().clone();
            return e.Key.EndsWith(".weight", StringComparison.Ordinal) || e.Key.EndsWith(".bias", StringComparison.Ordinal) ? copy.requires_grad_() : copy;
        });
        return (block, reference);
    }

    private static Tensor Input(bool channelsLast, int seed, int channels = 8, int size = 12)
    {
        torch.manual_seed(seed);
        var x = torch.randn(new long[] { 4, channels, size, size });
        return (channelsLast ? x.contiguous(MemoryFormat.ChannelsLast) : x).requires_grad_();
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), each operator out of place, with <paramref name="relu"/> for ReLU.</summary>
    private static Tensor Definition(Dictionary<string, Tensor> s, Tensor x, bool training, bool projection, Func<Tensor, Tensor> relu, List<Tensor>? bn2Output)
    {
        long[] stride = projection ? [2, 2] : [1, 1];
        Tensor Bn(Tensor t, string name) =>
            F.batch_norm(t, s[name + ".running_mean"], s[name + ".running_var"], s[name + ".weight"], s[name + ".bias"], training, 0.1, 1e-5);
        var a = relu(Bn(F.conv2d(x, s["conv1.weight"], null, stride, [1, 1]), "bn1"));
        var b = Bn(F.conv2d(a, s["conv2.weight"], null, [1, 1], [1, 1]), "bn2");
        bn2Output?.Add(b);
        var shortcut = projection ? Bn(F.conv2d(x, s["downsample.0.weight"], null, stride, [0, 0]), "downsample.1") : x;
        return relu(b + shortcut);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (expected.detach() - actual.detach()).abs().max();
        using var scale = expected.detach().abs().max();
        var worst = difference.item<float>();
        Assert.True(worst <= tolerance * (1 + scale.item<float>()), $"{what}: largest difference {worst} (largest |expected| {scale.item<float>()})");
    }
}
