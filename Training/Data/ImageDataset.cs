namespace CnnVis.Training.Data;

/// <summary>
/// A labelled set of images of one size. An image is float32, laid out channels × height × width,
/// with values in [0, 1] before normalisation; the loader applies <see cref="Normalization"/>.
/// Implementations must allow concurrent reads: the loader builds the next batch on a background
/// thread while other code (a monitor explaining probe images) may read the same dataset.
/// </summary>
public abstract class ImageDataset
{
    /// <summary>What the dataset is called in runs and on screen, e.g. "fashion-mnist".</summary>
    public virtual string Name => GetType().Name;

    public abstract int Count { get; }

    public abstract IReadOnlyList<string> ClassNames { get; }

    public abstract int Channels { get; }

    public abstract int Height { get; }

    public abstract int Width { get; }

    /// <summary>Floats in one image: <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int ImageLength => Channels * Height * Width;

    /// <summary>Writes image <paramref name="index"/> as C×H×W floats in [0, 1].</summary>
    public abstract void CopyImage(int index, Span<float> destination);

    /// <summary>The class of image <paramref name="index"/>, an index into <see cref="ClassNames"/>.</summary>
    public abstract int Label(int index);

    /// <summary>Whether every image comes with a ground-truth mask of its object.</summary>
    public virtual bool HasMasks => false;

    /// <summary>Writes the object mask of image <paramref name="index"/> as H×W floats, 1 where the object is.</summary>
    public virtual void CopyMask(int index, Span<float> destination) =>
        throw new NotSupportedException($"{Name} has no object masks");

    /// <summary>Per-channel mean and standard deviation the models subtract and divide by.</summary>
    public abstract Normalization Normalization { get; }

    /// <summary>
    /// The same images as they should be seen when evaluating: anything planted for training only
    /// (a spurious marker) is left out. Most datasets have nothing of the kind and return themselves.
    /// </summary>
    public virtual ImageDataset ForEvaluation() => this;

    /// <summary>Image <paramref name="index"/> as a new array of C×H×W floats in [0, 1].</summary>
    public float[] GetImage(int index)
    {
        var image = new float[ImageLength];
        CopyImage(index, image);
        return image;
    }

    /// <summary>Throws unless <paramref name="index"/> names an image of this dataset.</summary>
    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"image {index} is out of range: {Name} holds {Count} images");
    }

    /// <summary>Throws unless <paramref name="destination"/> holds exactly <paramref name="length"/> floats.</summary>
    protected static void CheckDestination(Span<float> destination, int length)
    {
        if (destination.Length != length)
            throw new ArgumentException($"the destination holds {destination.Length} floats but the image needs {length}", nameof(destination));
    }
}
