namespace CnnVis.Training.Data;

/// <summary>
/// What a model's input looks like for a dataset, without its images: what explaining a user's own image file needs
/// (the size to resize to, the normalisation, the class names).
/// </summary>
public sealed record DatasetFacts(string Name, int Channels, int Height, int Width, Normalization Normalization, IReadOnlyList<string> ClassNames)
{
    public static DatasetFacts Of(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new(dataset.Name, dataset.Channels, dataset.Height, dataset.Width, dataset.Normalization, dataset.ClassNames);
    }
}
