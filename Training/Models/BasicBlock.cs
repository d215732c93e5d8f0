using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Models;

/// <summary>
/// ResNet's basic block (two 3x3 conv+BN, identity or 1x1 projection shortcut), with torchvision's names. Unhooked, it
/// runs its first batch norm and ReLU as one operator and adds the shortcut and rectifies in place, as torchvision's
/// block does (<c>out += identity</c>, <c>ReLU(inplace=True)</c>); a forward hook on any of those modules gets the
/// tensors it would get from the modules run one by one.
/// </summary>
public sealed class BasicBlock : Module
{
    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    public BasicBlock(long inChannels, long outChannels, long stride = 1)
    {
        _conv1 = register_module("conv1", new Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false));
        _bn1 = register_module("bn1", new BatchNorm2d(outChannels));
        _relu = register_module("relu", new ReLU());
        _conv2 = register_module("conv2", new Conv2d(outChannels, outChannels, 3, padding: 1, bias: false));
        _bn2 = register_module("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
        {
            _downsample = register_module("downsample", new Sequential(
                new Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), new BatchNorm2d(outChannels)));
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var a = _bn1.call_relu(_relu, _conv1.call(input));
        var b = _bn2.call(_conv2.call(a));
        var shortcut = _downsample is null ? input : _downsample.call(input);
        // b and the sum are this block's own tensors, and neither batch norm's backward nor the add's reads them, so
        // they are overwritten unless a hook could hold them: one on bn2 may keep its output, and one on the ReLU reads
        // its input (guided backprop's rule does).
        var sum = _bn2.ForwardHookCount == 0 ? b.add_(shortcut) : b + shortcut;
        return scope.MoveToOuter(_relu.ForwardHookCount == 0 ? sum.relu_() : _relu.call(sum));
    }
}
