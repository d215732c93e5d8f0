namespace CnnVis.Training.Data;

/// <summary>
/// Settings for <see cref="Datasets.Create"/>; each applies to the datasets named beside it and is
/// ignored by the others. A dataset name can carry them too: <c>synthetic-shapes?size=64&amp;marker=0.9</c>.
/// </summary>
public sealed record DatasetOptions
{
    /// <summary>fashion-mnist: the folder holding the idx files (name key <c>dir</c>).</summary>
    public string? Directory { get; init; }

    /// <summary>synthetic-shapes: image side (default 32); folder: the side images are resized to (default 64). Key <c>size</c>.</summary>
    public int? ImageSize { get; init; }

    /// <summary>folder: 1 (grey) or 3 (RGB, the default). Key <c>channels</c>.</summary>
    public int? Channels { get; init; }

    /// <summary>synthetic-shapes: images in the split (default 10,000 for training, 2,000 for testing). Key <c>count</c>.</summary>
    public int? Count { get; init; }

    /// <summary>synthetic-shapes: a shortcut planted in the training split. Key <c>marker</c>, its correlation with the label.</summary>
    public SpuriousMarker? SpuriousMarker { get; init; }

    /// <summary>
    /// folder without train/ and test/ subfolders: the share of each class held out as its test split
    /// (default 0.2). Key <c>test</c>.
    /// </summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>synthetic-shapes, folder: overrides the seed given to <see cref="Datasets.Create"/>. Key <c>seed</c>.</summary>
    public long? Seed { get; init; }
}
