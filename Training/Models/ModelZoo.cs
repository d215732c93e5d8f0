using CnnVis.Training.Data;

namespace CnnVis.Training.Models;

/// <summary>The models CnnVis can build by name.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = new[] { "fashionnet", "vgg-small", "resnet-small", ImageNetResNet18.ZooName };

    public static ClassifierModel Create(string name, int inChannels, int numClasses) => name.ToLowerInvariant() switch
    {
        "fashionnet" => new FashionNet(inChannels, numClasses),
        "vgg-small" => new SmallVgg(inChannels, numClasses),
        "resnet-small" => new SmallResNet(inChannels, numClasses),
        ImageNetResNet18.ZooName => inChannels == 3
            ? ImageNetResNet18.Load(numClasses)
            : throw new ArgumentException($"{ImageNetResNet18.ZooName} reads RGB images (3 channels), but the data has {inChannels}"),
        _ => throw new ArgumentException($"unknown model '{name}'. Known models: {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// Opens <paramref name="dataset"/> as <paramref name="model"/> reads it: the ImageNet ResNet-18 takes images at
    /// 224x224 unless the dataset's name sets a size, with pixels left in [0, 1] (it preprocesses them itself);
    /// the other models take each dataset's own size and normalisation.
    /// </summary>
    public static ImageDataset OpenDataset(string dataset, string model, bool train, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Equals(ImageNetResNet18.ZooName, StringComparison.OrdinalIgnoreCase)) return Datasets.Create(dataset, train, seed);
        var images = Datasets.Create(dataset, train, seed, new DatasetOptions { ImageSize = ImageNetResNet18.ImageSize });
        return new Renormalized(images, Normalization.Identity(images.Channels));
    }

    /// <summary>What <see cref="OpenDataset"/> would open, without reading images where the dataset allows it (<see cref="Datasets.Describe"/>).</summary>
    public static DatasetFacts DescribeDataset(string dataset, string model, bool train, long seed) =>
        model.Equals(ImageNetResNet18.ZooName, StringComparison.OrdinalIgnoreCase)
            ? DatasetFacts.Of(OpenDataset(dataset, model, train, seed))
            : Datasets.Describe(dataset, train, seed);
}
