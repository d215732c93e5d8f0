using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// A user's own model, not from the zoo: conv → BN → ReLU → max-pool → conv → ReLU ("features.5", explained) →
/// global average pool → dropout → linear. Dropout draws from libtorch's random stream, so a monitor that drew from
/// it too would change what is trained.
/// </summary>
public sealed class OwnCnn : Module, IExplainableModel
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Flatten _flatten;
    private readonly Dropout _dropout;
    private readonly Linear _classifier;

    /// <param name="firstConvolutionChannels">Which image channel each input channel of the first convolution reads (a BGR model: [2, 1, 0]).</param>
    public OwnCnn(int classes = 10, int inChannels = 1, IReadOnlyList<int>? firstConvolutionChannels = null)
    {
        FirstConvolutionChannels = firstConvolutionChannels;
        _features = register_module("features", torch.nn.Sequential(
            torch.nn.Conv2d(inChannels, 8, 3, padding: 1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding: 1), torch.nn.ReLU()));
        _pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
        _flatten = register_module("flatten", torch.nn.Flatten());
        _dropout = register_module("dropout", torch.nn.Dropout(0.3));
        _classifier = register_module("classifier", torch.nn.Linear(16, classes));
        NumClasses = classes;
    }

    public string ExplanationLayer => "features.5";

    public string? ClassifierLayer => "classifier";

    public int NumClasses { get; }

    public IReadOnlyList<int>? FirstConvolutionChannels { get; }

    public override Tensor forward(Tensor input)
    {
        using var features = _features.call(input);
        using var pooled = _pool.call(features);
        using var flat = _flatten.call(pooled);
        using var dropped = _dropout.call(flat);
        return _classifier.call(dropped);
    }
}
