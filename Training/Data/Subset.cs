namespace CnnVis.Training.Data;

/// <summary>
/// A dataset restricted to chosen images of another, in the order given: a train/validation split,
/// or a small slice for a quick run. A subset of a subset refers straight to the original dataset.
/// </summary>
public sealed class Subset : ImageDataset
{
    private readonly int[] _indices;

    public Subset(ImageDataset dataset, IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        var chosen = indices.ToArray();
        foreach (var i in chosen)
        {
            if ((uint)i >= (uint)dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"image {i} is out of range: {dataset.Name} holds {dataset.Count} images");
        }
        if (dataset is Subset inner)
        {
            for (var k = 0; k < chosen.Length; k++) chosen[k] = inner._indices[chosen[k]];
            dataset = inner.Dataset;
        }
        Dataset = dataset;
        _indices = chosen;
    }

    /// <summary>The first <paramref name="count"/> images of <paramref name="dataset"/> (all of them if it has fewer).</summary>
    public static Subset First(ImageDataset dataset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Subset(dataset, Enumerable.Range(0, Math.Min(count, dataset.Count)));
    }

    /// <summary>The dataset the images come from.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>For each image of this subset, its index in <see cref="Dataset"/>.</summary>
    public IReadOnlyList<int> Indices => _indices;

    public override string Name => Dataset.Name;
    public override int Count => _indices.Length;
    public override IReadOnlyList<string> ClassNames => Dataset.ClassNames;
    public override int Channels => Dataset.Channels;
    public override int Height => Dataset.Height;
    public override int Width => Dataset.Width;
    public override Normalization Normalization => Dataset.Normalization;
    public override bool HasMasks => Dataset.HasMasks;

    public override void CopyImage(int index, Span<float> destination) => Dataset.CopyImage(Map(index), destination);

    public override int Label(int index) => Dataset.Label(Map(index));

    public override void CopyMask(int index, Span<float> destination) => Dataset.CopyMask(Map(index), destination);

    public override ImageDataset ForEvaluation()
    {
        var evaluation = Dataset.ForEvaluation();
        return ReferenceEquals(evaluation, Dataset) ? this : new Subset(evaluation, _indices);
    }

    private int Map(int index)
    {
        CheckIndex(index);
        return _indices[index];
    }
}
