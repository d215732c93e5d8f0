namespace CnnVis.Training.Data;

/// <summary>
/// The images of another dataset under a normalisation of the caller's choosing: for a model that brings its
/// own input transform (the ImageNet ResNet-18 reads pixels in [0, 1] and preprocesses them itself), the
/// loader must leave the pixels as they are.
/// </summary>
public sealed class Renormalized : ImageDataset
{
    public Renormalized(ImageDataset dataset, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(normalization);
        normalization.Validate(dataset.Channels);
        Dataset = dataset is Renormalized inner ? inner.Dataset : dataset;
        Normalization = normalization;
    }

    /// <summary>The dataset the images come from.</summary>
    public ImageDataset Dataset { get; }

    public override string Name => Dataset.Name;
    public override int Count => Dataset.Count;
    public override IReadOnlyList<string> ClassNames => Dataset.ClassNames;
    public override int Channels => Dataset.Channels;
    public override int Height => Dataset.Height;
    public override int Width => Dataset.Width;
    public override Normalization Normalization { get; }
    public override bool HasMasks => Dataset.HasMasks;

    public override void CopyImage(int index, Span<float> destination) => Dataset.CopyImage(index, destination);

    public override int Label(int index) => Dataset.Label(index);

    public override void CopyMask(int index, Span<float> destination) => Dataset.CopyMask(index, destination);

    public override ImageDataset ForEvaluation()
    {
        var evaluation = Dataset.ForEvaluation();
        return ReferenceEquals(evaluation, Dataset) ? this : new Renormalized(evaluation, Normalization);
    }
}
