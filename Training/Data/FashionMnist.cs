using System.Runtime.CompilerServices;

namespace CnnVis.Training.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grey images of ten kinds of clothing, 60,000
/// for training and 10,000 for testing, read from the idx files of Debian's dataset-fashion-mnist
/// package (gzip-compressed or plain). Each split is held in memory as bytes, decompressed once.
/// </summary>
public sealed class FashionMnist : ImageDataset
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] s_classNames =
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    // The mean and standard deviation of the training images' pixels, as everyone quotes them.
    private static readonly Normalization s_normalization = new(new[] { 0.2860f }, new[] { 0.3530f });

    private static readonly float[] s_byteToUnit = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    /// <param name="train">The 60,000 training images, or else the 10,000 test images.</param>
    /// <param name="directory">Where the idx files are; Debian's package directory by default.</param>
    public FashionMnist(bool train = true, string? directory = null)
    {
        Train = train;
        Directory = directory ?? DefaultDirectory;
        var prefix = train ? "train" : "t10k";
        ImagesPath = Locate(Directory, $"{prefix}-images-idx3-ubyte");
        LabelsPath = Locate(Directory, $"{prefix}-labels-idx1-ubyte");

        var (imageSizes, pixels) = IdxFile.Read(ImagesPath, 3);
        var (labelSizes, labels) = IdxFile.Read(LabelsPath, 1);
        if (labelSizes[0] != imageSizes[0])
            throw new InvalidDataException($"{Path.GetFileName(LabelsPath)} holds {labelSizes[0]} labels but {Path.GetFileName(ImagesPath)} holds {imageSizes[0]} images");
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= s_classNames.Length)
                throw new InvalidDataException($"{Path.GetFileName(LabelsPath)}: label {labels[i]} of image {i} is not a class (0 to {s_classNames.Length - 1})");
        }
        Height = imageSizes[1];
        Width = imageSizes[2];
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>The size, normalisation and class names of the split, read from the images file's header alone.</summary>
    public static DatasetFacts Describe(bool train = true, string? directory = null)
    {
        var images = Locate(directory ?? DefaultDirectory, $"{(train ? "train" : "t10k")}-images-idx3-ubyte");
        var sizes = IdxFile.ReadSizes(images, 3);
        return new DatasetFacts("fashion-mnist", 1, sizes[1], sizes[2], s_normalization, s_classNames);
    }

    public bool Train { get; }

    public string Directory { get; }

    public string ImagesPath { get; }

    public string LabelsPath { get; }

    public override string Name => "fashion-mnist";
    public override int Count => _labels.Length;
    public override IReadOnlyList<string> ClassNames => s_classNames;
    public override int Channels => 1;
    public override int Height { get; }
    public override int Width { get; }
    public override Normalization Normalization => s_normalization;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void CopyImage(int index, Span<float> destination)
    {
        CheckIndex(index);
        var length = Height * Width;
        CheckDestination(destination, length);
        var source = _pixels.AsSpan(index * length, length);
        var table = s_byteToUnit;
        for (var i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    public override int Label(int index)
    {
        CheckIndex(index);
        return _labels[index];
    }

    /// <summary>The raw bytes of image <paramref name="index"/>, row by row.</summary>
    public ReadOnlySpan<byte> Pixels(int index)
    {
        CheckIndex(index);
        return _pixels.AsSpan(index * Height * Width, Height * Width);
    }

    // The compressed file as Debian ships it, or the plain one as some mirrors do.
    private static string Locate(string directory, string baseName)
    {
        var gz = Path.Combine(directory, baseName + ".gz");
        if (File.Exists(gz)) return gz;
        var plain = Path.Combine(directory, baseName);
        if (File.Exists(plain)) return plain;
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: no such directory (Fashion-MNIST comes with Debian's dataset-fashion-mnist package)");
        throw new FileNotFoundException($"{gz}: no such file (nor {baseName} uncompressed)", gz);
    }
}
