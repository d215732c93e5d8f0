using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// conv → batch norm → ReLU → conv → ReLU ("features.4", the explanation layer) → global average pool → dropout
/// → linear ("classifier"): the smallest model with every part the explanation methods care about.
/// </summary>
public sealed class TinyCnn : Module, IExplainableModel
{
    public TinyCnn(long inChannels = 1, long channels = 6, long classes = 3, bool namesClassifier = true)
    {
        ClassifierLayer = namesClassifier ? "classifier" : null;
        Features = register_module("features", torch.nn.Sequential(
            torch.nn.Conv2d(inChannels, 4, 3, padding: 1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
            torch.nn.Conv2d(4, channels, 3, stride: 2, padding: 1), torch.nn.ReLU()));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Dropout = register_module("dropout", torch.nn.Dropout(0.5));
        Classifier = register_module("classifier", torch.nn.Linear(channels, classes));
        NumClasses = (int)classes;
    }

    public Sequential Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Dropout Dropout { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features.4";
    public string? ClassifierLayer { get; }
    public int NumClasses { get; }

    public BatchNorm2d BatchNorm => (BatchNorm2d)Features[1];

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        using var dropped = Dropout.call(flat);
        return Classifier.call(dropped);
    }
}
