using System.Globalization;

namespace CnnVis.Training.Data;

/// <summary>Opens a dataset by the name a user types: <c>fashion-mnist</c>, <c>synthetic-shapes</c> or <c>folder:&lt;path&gt;</c>.</summary>
public static class Datasets
{
    public const string FashionMnistName = "fashion-mnist";
    public const string SyntheticShapesName = "synthetic-shapes";
    public const string FolderPrefix = "folder:";

    /// <summary>The names <see cref="Create"/> knows, as a user writes them.</summary>
    public static IReadOnlyList<string> Known { get; } = new[] { FashionMnistName, SyntheticShapesName, FolderPrefix + "<path>" };

    // Subfolders that split a folder dataset into training and test images, in order of preference.
    private static readonly string[] s_trainFolders = { "train", "training" };
    private static readonly string[] s_testFolders = { "test", "val", "validation" };

    /// <summary>
    /// The training or test split of the dataset <paramref name="name"/>. Settings come from
    /// <paramref name="options"/> and from the name itself after a '?', as <c>key=value</c> pairs joined
    /// by '&amp;' (they win): <c>fashion-mnist?dir=/data/fmnist</c>,
    /// <c>synthetic-shapes?size=64&amp;count=5000&amp;marker=0.9&amp;seed=1</c>,
    /// <c>folder:/data/pets?size=96&amp;channels=1&amp;test=0.25</c>.
    /// <paramref name="seed"/> picks the images of synthetic-shapes and the held-out test images of a
    /// folder without train/test subfolders, so both splits must be asked for with the same seed.
    /// A folder with <c>train/</c> and <c>test/</c> (or <c>val/</c>) subfolders uses them as its splits.
    /// </summary>
    public static ImageDataset Create(string name, bool train = true, long seed = 0, DatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (baseName, settings) = SplitSettings(name);
        options ??= new DatasetOptions();

        if (baseName.Equals(FashionMnistName, StringComparison.OrdinalIgnoreCase))
        {
            options = Apply(options, settings, name, default, "dir");
            return new FashionMnist(train, options.Directory);
        }
        if (baseName.Equals(SyntheticShapesName, StringComparison.OrdinalIgnoreCase))
        {
            options = Apply(options, settings, name, new Limits(SyntheticShapes.MinSize, SyntheticShapes.MaxSize, SyntheticShapes.MaxCount), "size", "count", "marker", "seed");
            return new SyntheticShapes(train, options.Count, options.ImageSize ?? SyntheticShapes.DefaultSize, options.Seed ?? seed, options.SpuriousMarker);
        }
        if (baseName.StartsWith(FolderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var root = baseName[FolderPrefix.Length..];
            if (root.Length == 0) throw new ArgumentException($"'{name}' names no folder: write folder:<path>", nameof(name));
            options = Apply(options, settings, name, new Limits(1, ImageFolder.MaxSize, 0), "size", "channels", "test", "seed");
            return OpenFolder(root, train, options.Seed ?? seed, options);
        }
        throw new ArgumentException($"unknown dataset '{name}'. Known datasets: {string.Join(", ", Known)}", nameof(name));
    }

    /// <summary>
    /// What <see cref="Create"/> would open, described without reading its images where that can be avoided
    /// (Fashion-MNIST: from its header; the others measure their normalisation on images, so they are opened).
    /// </summary>
    public static DatasetFacts Describe(string name, bool train = true, long seed = 0, DatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (baseName, settings) = SplitSettings(name);
        if (!baseName.Equals(FashionMnistName, StringComparison.OrdinalIgnoreCase)) return DatasetFacts.Of(Create(name, train, seed, options));
        options = Apply(options ?? new DatasetOptions(), settings, name, default, "dir");
        return FashionMnist.Describe(train, options.Directory);
    }

    private static ImageDataset OpenFolder(string root, bool train, long seed, DatasetOptions options)
    {
        var size = options.ImageSize ?? ImageFolder.DefaultSize;
        var channels = options.Channels ?? 3;
        var trainFolder = s_trainFolders.Select(f => Path.Combine(root, f)).FirstOrDefault(Directory.Exists);
        var testFolder = s_testFolders.Select(f => Path.Combine(root, f)).FirstOrDefault(Directory.Exists);
        if (trainFolder is not null && testFolder is not null)
        {
            // The test split is labelled and normalised as the training split is.
            var trainSet = new ImageFolder(trainFolder, size, channels);
            return train ? trainSet : new ImageFolder(testFolder, size, channels, trainSet.Normalization, trainSet.ClassNames);
        }
        var whole = new ImageFolder(root, size, channels);
        var (trainPart, testPart) = DatasetSplit.Split(whole, options.TestFraction, seed);
        return train ? trainPart : testPart;
    }

    private static (string baseName, string? settings) SplitSettings(string name)
    {
        var at = name.LastIndexOf('?');
        return at < 0 ? (name.Trim(), null) : (name[..at].Trim(), name[(at + 1)..]);
    }

    // Settings typed into the name must be ones this dataset takes; options set in code that it does not take are ignored.
    // The ranges a dataset accepts for the whole-number settings typed into its name, checked before anything is made.
    private readonly record struct Limits(int MinSize, int MaxSize, int MaxCount);

    private static DatasetOptions Apply(DatasetOptions options, string? settings, string name, Limits limits, params string[] allowed)
    {
        if (string.IsNullOrWhiteSpace(settings)) return options;
        foreach (var pair in settings.Split('&', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"'{name}': the setting '{pair}' should read key=value", nameof(name));
            var key = pair[..eq].Trim().ToLowerInvariant();
            var value = pair[(eq + 1)..].Trim();
            if (!allowed.Contains(key))
                throw new ArgumentException($"'{name}': unknown setting '{key}'. This dataset takes: {string.Join(", ", allowed)}", nameof(name));
            options = key switch
            {
                "dir" => options with { Directory = value },
                "size" => options with { ImageSize = ParseInt(value, key, name, limits.MinSize, limits.MaxSize, "pixels") },
                "channels" => options with { Channels = ParseInt(value, key, name, 1, 3, "channels") },
                "count" => options with { Count = ParseInt(value, key, name, 1, limits.MaxCount, "images") },
                "marker" => options with { SpuriousMarker = new SpuriousMarker(ParseDouble(value, key, name)) },
                "test" => options with { TestFraction = ParseDouble(value, key, name) },
                "seed" => options with { Seed = ParseLong(value, key, name) },
                _ => throw new ArgumentOutOfRangeException(nameof(settings), key, "a setting allowed but not handled"),
            };
        }
        return options;
    }

    // Also reads numbers written like 2e9, so that a value out of range is reported as that, not as a typo.
    private static int ParseInt(string value, string key, string name, int min, int max, string unit)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v != Math.Floor(v))
            throw new ArgumentException($"'{name}': {key} must be a whole number, got '{value}'", nameof(name));
        if (v < min || v > max)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{name}': {key} must be {min:N0} to {max:N0} {unit}, got {value}"), nameof(name));
        return (int)v;
    }

    private static long ParseLong(string value, string key, string name) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ArgumentException($"'{name}': {key} must be a whole number, got '{value}'", nameof(name));

    private static double ParseDouble(string value, string key, string name) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ArgumentException($"'{name}': {key} must be a number, got '{value}'", nameof(name));
}
