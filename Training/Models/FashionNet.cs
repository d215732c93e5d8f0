using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Models;

/// <summary>
/// The reference model shared with the PyTorch baseline (bench/): five 3x3 conv+BN+ReLU blocks with two
/// max-pools, 7x7 at the explanation layer for 28x28 input, global average pooling, Linear(128→classes).
/// PyTorch equivalent: features = Sequential(...17 layers...), pool = AdaptiveAvgPool2d(1), classifier = Linear.
/// </summary>
public sealed class FashionNet : ClassifierModel
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _classifier;

    public FashionNet(int inChannels = 1, int numClasses = 10) : base("fashionnet", inChannels, numClasses)
    {
        _features = register_module("features", new Sequential(
            new Conv2d(inChannels, 32, 3, padding: 1, bias: false), new BatchNorm2d(32), new ReLU(),
            new Conv2d(32, 32, 3, padding: 1, bias: false), new BatchNorm2d(32), new ReLU(),
            new MaxPool2d(2),
            new Conv2d(32, 64, 3, padding: 1, bias: false), new BatchNorm2d(64), new ReLU(),
            new Conv2d(64, 64, 3, padding: 1, bias: false), new BatchNorm2d(64), new ReLU(),
            new MaxPool2d(2),
            new Conv2d(64, 128, 3, padding: 1, bias: false), new BatchNorm2d(128), new ReLU()));
        _pool = register_module("pool", new AdaptiveAvgPool2d(1));
        _classifier = register_module("classifier", new Linear(128, numClasses));
    }

    /// <summary>The ReLU after the last conv+BN: 128 channels at 7x7 for Fashion-MNIST.</summary>
    public override string ExplanationLayer => "features.16";

    protected override AdaptiveAvgPool2d Pool => _pool;

    protected override Linear Classifier => _classifier;

    protected override Tensor Body(Tensor input) => _features.call(input);
}
