using System.Collections.Concurrent;

namespace CnnVis.Training.Data;

/// <summary>
/// Colour images of six shapes (circle, square, triangle, cross, ring, diamond) on cluttered,
/// textured backgrounds, drawn on the fly from (seed, split, index): no files, the same pixels on every
/// machine. Each image comes with the mask of its object, so an explanation's localisation can be
/// scored. The training split can carry a <see cref="SpuriousMarker"/>; the test split never does.
/// Training and test images come from separate streams, so they never coincide.
/// </summary>
public sealed class SyntheticShapes : ImageDataset
{
    public const int DefaultSize = 32;
    public const int DefaultTrainCount = 10_000;
    public const int DefaultTestCount = 2_000;
    public const int MinSize = 16;
    public const int MaxSize = 512;

    /// <summary>The most images a split may hold: images are drawn on demand, but an epoch's order is an array of them.</summary>
    public const int MaxCount = 10_000_000;

    private const long TrainStream = 1;
    private const long TestStream = 2;
    private const int NormalizationSample = 256;

    private static readonly ConcurrentDictionary<(long seed, int size), Normalization> s_normalizations = new();

    /// <param name="train">The training split, or else the test split.</param>
    /// <param name="count">Images in the split (by default 10,000 for training, 2,000 for testing; at most <see cref="MaxCount"/>).</param>
    /// <param name="size">Side of the square images in pixels (<see cref="MinSize"/> to <see cref="MaxSize"/>).</param>
    /// <param name="seed">Which images: the same seed gives the same images.</param>
    /// <param name="marker">A shortcut to plant in the training split; ignored for the test split.</param>
    public SyntheticShapes(bool train = true, int? count = null, int size = DefaultSize, long seed = 0, SpuriousMarker? marker = null)
    {
        if (size is < MinSize or > MaxSize) throw new ArgumentOutOfRangeException(nameof(size), $"synthetic images are {MinSize} to {MaxSize} pixels wide, got {size}");
        var n = count ?? (train ? DefaultTrainCount : DefaultTestCount);
        if (n is <= 0 or > MaxCount) throw new ArgumentOutOfRangeException(nameof(count), $"the image count must be 1 to {MaxCount:N0}, got {n:N0}");
        marker?.Validate();
        Train = train;
        Count = n;
        Size = size;
        Seed = seed;
        Marker = train ? marker : null;
    }

    public bool Train { get; }

    public int Size { get; }

    public long Seed { get; }

    /// <summary>The shortcut planted in these images, or null (always null for the test split).</summary>
    public SpuriousMarker? Marker { get; }

    public override string Name => "synthetic-shapes";
    public override int Count { get; }
    public override IReadOnlyList<string> ClassNames => ShapeScene.ClassNames;
    public override int Channels => 3;
    public override int Height => Size;
    public override int Width => Size;
    public override bool HasMasks => true;

    /// <summary>Measured once per (seed, size) over training images, so both splits normalise alike.</summary>
    public override Normalization Normalization => s_normalizations.GetOrAdd((Seed, Size), key =>
        Normalization.Measure(Enumerable.Range(0, NormalizationSample).Select(i =>
        {
            var image = new float[3 * key.size * key.size];
            new ShapeScene(key.seed, TrainStream, i, key.size, marker: null).Render(image);
            return image;
        }), 3));

    public override void CopyImage(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(destination, ImageLength);
        Scene(index).Render(destination);
    }

    public override int Label(int index)
    {
        CheckIndex(index);
        // The label is the first draw of an image's stream; this is cheaper than building the scene.
        var random = SeededRandom.For(Seed, Stream, index);
        return random.NextInt(ShapeScene.ClassNames.Length);
    }

    public override void CopyMask(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(destination, Size * Size);
        Scene(index).RenderMask(destination);
    }

    /// <summary>
    /// Image <paramref name="index"/> with its object left out (marker included, if any): the
    /// counterfactual against which a method's claim that it "looks at the object" can be checked.
    /// </summary>
    public void CopyBackground(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(destination, ImageLength);
        Scene(index).Render(destination, withObject: false);
    }

    /// <summary>What image <paramref name="index"/> shows: its object's class, place, size, colour, and its marker.</summary>
    public ShapeDescription Describe(int index)
    {
        CheckIndex(index);
        var scene = Scene(index);
        return new ShapeDescription(scene.Label, ClassNames[scene.Label], scene.CenterX, scene.CenterY, scene.Radius, scene.Rotation,
            scene.Color.ToArray(), scene.MarkerClass);
    }

    /// <summary>The pixel rectangle (x, y, side) where a marker naming <paramref name="markerClass"/> is drawn.</summary>
    public (int x, int y, int side) MarkerRegion(int markerClass)
    {
        if ((uint)markerClass >= (uint)ShapeScene.ClassNames.Length)
            throw new ArgumentOutOfRangeException(nameof(markerClass), $"there is no class {markerClass}");
        var side = ShapeScene.MarkerSide(Size);
        var (x, y) = ShapeScene.MarkerOrigin(markerClass, Size, side);
        return (x, y, side);
    }

    /// <summary>The RGB colour of the marker naming <paramref name="markerClass"/>.</summary>
    public static IReadOnlyList<float> MarkerColor(int markerClass) => ShapeScene.MarkerColor(markerClass);

    /// <summary>The same images without the marker.</summary>
    public override ImageDataset ForEvaluation() => Marker is null ? this : new SyntheticShapes(Train, Count, Size, Seed, marker: null);

    private long Stream => Train ? TrainStream : TestStream;

    private ShapeScene Scene(int index) => new(Seed, Stream, index, Size, Marker);
}
