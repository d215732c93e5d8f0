using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Models;

/// <summary>
/// A CNN classifier in the shape every zoo model shares: a convolutional body, global average pooling,
/// and one linear layer, so plain CAM applies and the explanation layer is the body's last block.
/// </summary>
public abstract class ClassifierModel : Module, IExplainableModel
{
    protected ClassifierModel(string name, int inChannels, int numClasses)
    {
        if (inChannels <= 0) throw new ArgumentException($"{name}: input channels must be positive, got {inChannels}");
        if (numClasses < 2) throw new ArgumentException($"{name}: a classifier needs at least 2 classes, got {numClasses}");
        Name = name;
        InChannels = inChannels;
        NumClasses = numClasses;
    }

    /// <summary>The zoo name ("fashionnet", "vgg-small", "resnet-small").</summary>
    public string Name { get; }

    public int InChannels { get; }

    public int NumClasses { get; }

    public abstract string ExplanationLayer { get; }

    public string? ClassifierLayer => "classifier";

    public override string GetName() => Name;

    /// <summary>The convolutional body: [N, C, H, W] → [N, K, h, w].</summary>
    protected abstract Tensor Body(Tensor input);

    protected abstract AdaptiveAvgPool2d Pool { get; }

    protected abstract Linear Classifier { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.Dimensions != 4 || input.size(1) != InChannels)
            throw new ArgumentException($"{Name} expects input [N, {InChannels}, H, W], got [{string.Join(", ", input.shape)}]");
        using var features = Body(input);
        using var pooled = Pool.call(features);
        using var flat = pooled.flatten(1);
        return Classifier.call(flat);
    }
}
