using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Models;

namespace CnnVis.Bench;

/// <summary>
/// A network of ResNet-18's shape (torchvision's layout and names: a 7x7/2 stem with max-pool, four stages of two
/// basic blocks, 64-512 channels, GAP + linear), random weights: what the dream bench times explanations on.
/// </summary>
internal sealed class ResNet18Shape : Module
{
    private readonly Sequential _stem, _layer1, _layer2, _layer3, _layer4;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _fc;

    public ResNet18Shape(int classes = 1000)
    {
        _stem = register_module("stem", new Sequential(new Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false), new BatchNorm2d(64), new ReLU(), new MaxPool2d(3, stride: 2, padding: 1)));
        _layer1 = register_module("layer1", new Sequential(new BasicBlock(64, 64), new BasicBlock(64, 64)));
        _layer2 = register_module("layer2", new Sequential(new BasicBlock(64, 128, stride: 2), new BasicBlock(128, 128)));
        _layer3 = register_module("layer3", new Sequential(new BasicBlock(128, 256, stride: 2), new BasicBlock(256, 256)));
        _layer4 = register_module("layer4", new Sequential(new BasicBlock(256, 512, stride: 2), new BasicBlock(512, 512)));
        _pool = register_module("pool", new AdaptiveAvgPool2d(1));
        _fc = register_module("fc", new Linear(512, classes));
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = _layer4.call(_layer3.call(_layer2.call(_layer1.call(_stem.call(input)))));
        return scope.MoveToOuter(_fc.call(_pool.call(x).flatten(1)));
    }
}
