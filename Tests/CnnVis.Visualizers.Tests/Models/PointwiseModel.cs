using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// A 1×1 convolution without bias from one input channel to a few channels ("features": A_k = w_k · x, at input
/// resolution), then global average pooling and a linear classifier. Its activations are known by hand.
/// </summary>
public sealed class PointwiseModel : Module, IExplainableModel
{
    public PointwiseModel(long channels = 2, long classes = 3)
    {
        Features = register_module("features", torch.nn.Conv2d(1, channels, 1, bias: false));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Classifier = register_module("classifier", torch.nn.Linear(channels, classes));
        NumClasses = (int)classes;
    }

    public Conv2d Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features";
    public string? ClassifierLayer => "classifier";
    public int NumClasses { get; }

    /// <summary>w_k, one per channel.</summary>
    public double[] ChannelWeights() => Assertions.Values(Features.weight);

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        return Classifier.call(flat);
    }
}
