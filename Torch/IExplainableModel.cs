namespace CnnVis.Torch;

/// <summary>
/// A classifier that says where it can be explained: the convolutional layer whose activations CAM-family
/// methods weigh (a dotted path from named_modules, e.g. "features.12"), and the final linear layer that
/// follows global average pooling (so plain CAM can read its weights). Any Module implementing this works
/// with the trainer, the explanation methods and the monitor.
/// </summary>
public interface IExplainableModel
{
    /// <summary>Dotted path of the default explanation layer (its output is [N, C, h, w]).</summary>
    string ExplanationLayer { get; }

    /// <summary>Dotted path of the Linear layer after global average pooling, or null when the head is not GAP + linear.</summary>
    string? ClassifierLayer { get; }

    /// <summary>The number of classes the model predicts.</summary>
    int NumClasses { get; }

    /// <summary>
    /// For each input channel of the first convolution, the image channel it reads, when the model reorders the
    /// image's channels before it (an ImageNet network exported from Caffe or CNTK reads BGR: [2, 1, 0]); null when
    /// they are the image's own. First-layer filters are drawn in the image's colours with it.
    /// </summary>
    IReadOnlyList<int>? FirstConvolutionChannels => null;
}
