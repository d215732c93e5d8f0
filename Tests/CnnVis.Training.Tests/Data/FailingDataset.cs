using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>A dataset whose image <see cref="BadIndex"/> cannot be read, as a corrupt file would be.</summary>
public sealed class FailingDataset : ImageDataset
{
    private readonly ImageDataset _inner;

    public FailingDataset(ImageDataset inner, int badIndex)
    {
        _inner = inner;
        BadIndex = badIndex;
    }

    public int BadIndex { get; }
    public override int Count => _inner.Count;
    public override IReadOnlyList<string> ClassNames => _inner.ClassNames;
    public override int Channels => _inner.Channels;
    public override int Height => _inner.Height;
    public override int Width => _inner.Width;
    public override Normalization Normalization => _inner.Normalization;

    public override void CopyImage(int index, Span<float> destination)
    {
        if (index == BadIndex) throw new InvalidDataException($"image {index} is unreadable");
        _inner.CopyImage(index, destination);
    }

    public override int Label(int index) => _inner.Label(index);
}
