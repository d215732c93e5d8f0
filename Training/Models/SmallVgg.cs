using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Models;

/// <summary>A small VGG-style net for colour images: three stages of two conv+BN+ReLU, pooled between, then GAP + linear.</summary>
public sealed class SmallVgg : ClassifierModel
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _classifier;

    public SmallVgg(int inChannels = 3, int numClasses = 10) : base("vgg-small", inChannels, numClasses)
    {
        var layers = new List<Module>();
        var channels = new[] { 32, 64, 128 };
        var c = inChannels;
        for (var stage = 0; stage < channels.Length; stage++)
        {
            if (stage > 0) layers.Add(new MaxPool2d(2));
            for (var k = 0; k < 2; k++)
            {
                layers.Add(new Conv2d(c, channels[stage], 3, padding: 1, bias: false));
                layers.Add(new BatchNorm2d(channels[stage]));
                layers.Add(new ReLU());
                c = channels[stage];
            }
        }
        _features = register_module("features", new Sequential(layers.ToArray()));
        ExplanationLayer = $"features.{layers.Count - 1}";
        _pool = register_module("pool", new AdaptiveAvgPool2d(1));
        _classifier = register_module("classifier", new Linear(c, numClasses));
    }

    public override string ExplanationLayer { get; }

    protected override AdaptiveAvgPool2d Pool => _pool;

    protected override Linear Classifier => _classifier;

    protected override Tensor Body(Tensor input) => _features.call(input);
}
