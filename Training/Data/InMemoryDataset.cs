namespace CnnVis.Training.Data;

/// <summary>Images already in memory as one float array (N×C×H×W, values in [0, 1]): for tests and small experiments.</summary>
public sealed class InMemoryDataset : ImageDataset
{
    private readonly float[] _images;
    private readonly int[] _labels;
    private readonly float[]? _masks;
    private readonly string[] _classNames;

    public InMemoryDataset(string name, float[] images, int[] labels, int channels, int height, int width,
        IReadOnlyList<string> classNames, Normalization? normalization = null, float[]? masks = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"{name}: an image must have a positive size, got {channels}×{height}×{width}");
        if (images.Length != (long)labels.Length * channels * height * width)
            throw new ArgumentException($"{name}: {labels.Length} labels need {(long)labels.Length * channels * height * width} floats of {channels}×{height}×{width} images, got {images.Length}");
        if (masks is not null && masks.Length != (long)labels.Length * height * width)
            throw new ArgumentException($"{name}: {labels.Length} masks need {(long)labels.Length * height * width} floats, got {masks.Length}");
        if (classNames.Count == 0) throw new ArgumentException($"{name}: there must be at least one class");
        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"{name}: image {i} has label {labels[i]}, outside its {classNames.Count} classes");
        }
        Name = name;
        _images = images;
        _labels = labels;
        _masks = masks;
        _classNames = classNames.ToArray();
        Channels = channels;
        Height = height;
        Width = width;
        Normalization = normalization ?? Normalization.Identity(channels);
        Normalization.Validate(channels);
    }

    public override string Name { get; }
    public override int Count => _labels.Length;
    public override IReadOnlyList<string> ClassNames => _classNames;
    public override int Channels { get; }
    public override int Height { get; }
    public override int Width { get; }
    public override Normalization Normalization { get; }
    public override bool HasMasks => _masks is not null;

    public override void CopyImage(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(destination, ImageLength);
        _images.AsSpan(index * ImageLength, ImageLength).CopyTo(destination);
    }

    public override int Label(int index)
    {
        CheckIndex(index);
        return _labels[index];
    }

    public override void CopyMask(int index, Span<float> destination)
    {
        if (_masks is null) throw new NotSupportedException($"{Name} has no object masks");
        CheckIndex(index);
        CheckDestination(destination, Height * Width);
        _masks.AsSpan(index * Height * Width, Height * Width).CopyTo(destination);
    }
}
