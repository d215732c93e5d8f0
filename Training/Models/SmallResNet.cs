using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Models;

/// <summary>A small ResNet for colour images: a 3x3 stem, three stages of one BasicBlock (32, 64, 128 channels), GAP + linear.</summary>
public sealed class SmallResNet : ClassifierModel
{
    private readonly Sequential _stem, _layer1, _layer2, _layer3;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _classifier;

    public SmallResNet(int inChannels = 3, int numClasses = 10) : base("resnet-small", inChannels, numClasses)
    {
        _stem = register_module("stem", new Sequential(new Conv2d(inChannels, 32, 3, padding: 1, bias: false), new BatchNorm2d(32), new ReLU()));
        _layer1 = register_module("layer1", new Sequential(new BasicBlock(32, 32)));
        _layer2 = register_module("layer2", new Sequential(new BasicBlock(32, 64, stride: 2)));
        _layer3 = register_module("layer3", new Sequential(new BasicBlock(64, 128, stride: 2)));
        _pool = register_module("pool", new AdaptiveAvgPool2d(1));
        _classifier = register_module("classifier", new Linear(128, numClasses));
    }

    public override string ExplanationLayer => "layer3";

    protected override AdaptiveAvgPool2d Pool => _pool;

    protected override Linear Classifier => _classifier;

    protected override Tensor Body(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = _layer3.call(_layer2.call(_layer1.call(_stem.call(input))));
        return scope.MoveToOuter(x);
    }
}
