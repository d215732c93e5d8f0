using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// conv → tanh → conv → tanh ("features.3") → global average pool → linear: a CNN whose output is smooth along any
/// path, so quadrature error (not ReLU kinks) is all integrated gradients' completeness delta measures.
/// </summary>
public sealed class SmoothCnn : Module, IExplainableModel
{
    public SmoothCnn()
    {
        Features = register_module("features", torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding: 1), new Tanh(), torch.nn.Conv2d(4, 5, 3, stride: 2, padding: 1), new Tanh()));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Classifier = register_module("classifier", torch.nn.Linear(5, 3));
    }

    public Sequential Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features.3";
    public string? ClassifierLayer => "classifier";
    public int NumClasses => 3;

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        return Classifier.call(flat);
    }

    private sealed class Tanh : Module
    {
        public override Tensor forward(Tensor input) => input.tanh();
    }
}
