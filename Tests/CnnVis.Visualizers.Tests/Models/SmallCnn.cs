using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// A Fashion-MNIST-sized CNN (two conv blocks of two 3×3 convs with batch norm, 32 and 64 channels, max pooling
/// between, global average pooling and a linear head): the size of model the monitor explains while training.
/// </summary>
public sealed class SmallCnn : Module, IExplainableModel
{
    public SmallCnn(long classes = 10)
    {
        Features = register_module("features", torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding: 1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3, padding: 1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding: 1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
            torch.nn.Conv2d(64, 64, 3, padding: 1), torch.nn.BatchNorm2d(64), torch.nn.ReLU()));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Classifier = register_module("classifier", torch.nn.Linear(64, classes));
        NumClasses = (int)classes;
    }

    public Sequential Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features.12";
    public string? ClassifierLayer => "classifier";
    public int NumClasses { get; }

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        return Classifier.call(flat);
    }
}
