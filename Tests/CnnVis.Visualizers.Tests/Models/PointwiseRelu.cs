using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// A 1×1 convolution without bias from one channel to two, then a ReLU module ("features.1": A_f = ReLU(w_f · x)),
/// global average pooling and a linear head: what reaches the input from a filter is known by hand.
/// </summary>
public sealed class PointwiseRelu : Module, IExplainableModel
{
    public PointwiseRelu()
    {
        Features = register_module("features", torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1, bias: false), torch.nn.ReLU()));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Classifier = register_module("classifier", torch.nn.Linear(2, 3));
    }

    public Sequential Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features.1";
    public string? ClassifierLayer => "classifier";
    public int NumClasses => 3;

    /// <summary>w_f, one per filter.</summary>
    public double[] FilterWeights() => Assertions.Values(((Conv2d)Features[0]).weight);

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        return Classifier.call(flat);
    }
}
