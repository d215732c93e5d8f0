using CnnVis.Torch;

namespace CnnVis.Visualizers.Targets;

/// <summary>Explains, for each image, its own class: the true label from the dataset, one per image in batch order.</summary>
public sealed record TrueLabel : ExplanationTarget
{
    private readonly long[] _labels;

    public TrueLabel(IEnumerable<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = labels.Select(l => (long)l).ToArray();
        for (var i = 0; i < _labels.Length; i++)
        {
            if (_labels[i] < 0) throw new ArgumentOutOfRangeException(nameof(labels), $"the label of image {i} is {_labels[i]}: classes are numbered from 0");
        }
    }

    public TrueLabel(params int[] labels) : this((IEnumerable<int>)labels) { }

    /// <summary>Labels as a dataset gives them: an integer tensor [N].</summary>
    public static TrueLabel From(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Dimensions != 1) throw new ArgumentException($"labels must be a 1-D tensor [N], got shape [{string.Join(", ", labels.shape)}]", nameof(labels));
        using var asLong = labels.to(ScalarType.Int64);
        return new TrueLabel(asLong.data<long>().Select(l => checked((int)l)));
    }

    public IReadOnlyList<long> Labels => _labels;

    public override Tensor ClassesFor(Tensor logits)
    {
        var (images, classes) = ShapeOf(logits);
        if (_labels.Length != images)
            throw new ArgumentException($"{_labels.Length} true labels were given for a batch of {images} images: give one label per image");
        for (var i = 0; i < _labels.Length; i++)
        {
            if (_labels[i] >= classes)
                throw new ArgumentOutOfRangeException(nameof(Labels), $"the label of image {i} is {_labels[i]}, out of range: the model predicts {classes} classes (0-{classes - 1})");
        }
        return torch.tensor(_labels, new[] { images });
    }

    // Records compare arrays by reference; labels are compared by value so equal targets are equal.
    public bool Equals(TrueLabel? other) => other is not null && _labels.AsSpan().SequenceEqual(other._labels);

    public override int GetHashCode() => _labels.Length == 0 ? 0 : HashCode.Combine(_labels.Length, _labels[0], _labels[^1]);

    public override string ToString() => $"true labels ({_labels.Length} images)";
}
