using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// RGB 224x224 in, a 512-channel 7x7 explanation layer ("features.2"), ten classes: the shape of a VGG's last block
/// at a tiny fraction of its compute, so memory per masked image is a real model's and a test stays fast.
/// </summary>
public sealed class WideLayerModel : Module, IExplainableModel
{
    public WideLayerModel()
    {
        Features = register_module("features", torch.nn.Sequential(
            torch.nn.AdaptiveAvgPool2d(7), torch.nn.Conv2d(3, 512, 1), torch.nn.ReLU()));
        Pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        Flatten = register_module("flatten", torch.nn.Flatten());
        Classifier = register_module("classifier", torch.nn.Linear(512, 10));
    }

    public Sequential Features { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Flatten Flatten { get; }
    public Linear Classifier { get; }

    public string ExplanationLayer => "features.2";
    public string? ClassifierLayer => "classifier";
    public int NumClasses => 10;

    public override Tensor forward(Tensor input)
    {
        using var features = Features.call(input);
        using var pooled = Pool.call(features);
        using var flat = Flatten.call(pooled);
        return Classifier.call(flat);
    }
}
