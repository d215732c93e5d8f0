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

    /// <inheritdoc cref="IExplainableModel.FirstConvolutionChannels"/>
    public virtual IReadOnlyList<int>? FirstConvolutionChannels => null;

    public override string GetName() => Name;

    /// <summary>The convolutional body: [N, C, H, W] → [N, K, h, w].</summary>
    protected abstract Tensor Body(Tensor input);

    protected abstract AdaptiveAvgPool2d Pool { get; }

    protected abstract Linear Classifier { get; }

    public override Tensor forward(Tensor input)
    {
        using var flat = PooledFeatures(input);
        return Classifier.call(flat);
    }

    /// <summary>The body's pooled features [N, K] that the classifier reads.</summary>
    public Tensor PooledFeatures(Tensor input)
    {
        if (input.Dimensions != 4 || input.size(1) != InChannels)
            throw new ArgumentException($"{Name} expects input [N, {InChannels}, H, W], got [{string.Join(", ", input.shape)}]");
        using var features = Body(input);
        using var pooled = Pool.call(features);
        return pooled.flatten(1);
    }

    /// <summary>The classifier alone, on pooled features [N, K]: <c>forward(x) == Classify(PooledFeatures(x))</c>.</summary>
    public Tensor Classify(Tensor pooledFeatures) => Classifier.call(pooledFeatures);

    /// <summary>
    /// Whether training would leave everything below the classifier as it is: no parameter there takes a gradient
    /// and, in the current mode, no module there behaves as in training (batch norm statistics, dropout). Then the
    /// pooled features of an image never change, and a trainer may compute them once.
    /// </summary>
    public bool BodyIsFrozen =>
        named_modules().Where(m => m.name.Length > 0 && m.module != Classifier).All(m => !m.module.training)
        && named_parameters().Where(p => !p.name.StartsWith(ClassifierLayer + ".", StringComparison.Ordinal)).All(p => !p.parameter.requires_grad);
}
