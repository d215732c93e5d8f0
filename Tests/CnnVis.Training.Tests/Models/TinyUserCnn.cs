using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Tests.Models;

/// <summary>A user's own model, not from the zoo: conv → ReLU ("features.1", explained) → global average pool → linear.</summary>
public class TinyUserCnn : Module, IExplainableModel
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _classifier;

    public TinyUserCnn(int channels = 1, int classes = 5, int width = 4)
    {
        _features = register_module("features", torch.nn.Sequential(torch.nn.Conv2d(channels, width, 3, padding: 1), torch.nn.ReLU()));
        _pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        _classifier = register_module("classifier", torch.nn.Linear(width, classes));
        NumClasses = classes;
    }

    public string ExplanationLayer => "features.1";

    public string? ClassifierLayer => "classifier";

    public int NumClasses { get; }

    public override Tensor forward(Tensor input)
    {
        using var features = _features.call(input);
        using var pooled = _pool.call(features);
        using var flat = pooled.flatten(1);
        return _classifier.call(flat);
    }
}
