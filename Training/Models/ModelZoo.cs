namespace CnnVis.Training.Models;

/// <summary>The models CnnVis can build by name.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = new[] { "fashionnet", "vgg-small", "resnet-small" };

    public static ClassifierModel Create(string name, int inChannels, int numClasses) => name.ToLowerInvariant() switch
    {
        "fashionnet" => new FashionNet(inChannels, numClasses),
        "vgg-small" => new SmallVgg(inChannels, numClasses),
        "resnet-small" => new SmallResNet(inChannels, numClasses),
        _ => throw new ArgumentException($"unknown model '{name}'. Known models: {string.Join(", ", Names)}"),
    };
}
