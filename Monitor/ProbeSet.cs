using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Monitor;

/// <summary>
/// A fixed set of images explained at every checkpoint: chosen once, spread over the classes, so the same
/// pictures can be compared from epoch to epoch.
/// </summary>
public sealed class ProbeSet : IDisposable
{
    private ProbeSet(ImageDataset source, int[] indices, Tensor images, Tensor display, int[] labels)
    {
        Source = source;
        Indices = indices;
        Images = images;
        Display = display;
        Labels = labels;
    }

    public ImageDataset Source { get; }

    /// <summary>The probes' indices in <see cref="Source"/>.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Normalised, as the model sees them: [N, C, H, W].</summary>
    public Tensor Images { get; }

    /// <summary>As a person sees them, in [0, 1]: [N, C, H, W].</summary>
    public Tensor Display { get; }

    public IReadOnlyList<int> Labels { get; }

    public int Count => Indices.Count;

    /// <summary>
    /// Picks <paramref name="count"/> images of <paramref name="dataset"/>, taking classes in turn (the first image
    /// of class 0, of class 1, ..., then the second of each) so every class is represented.
    /// </summary>
    public static ProbeSet Select(ImageDataset dataset, int count)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"a probe set needs at least one image, got {count}");
        var byClass = Enumerable.Range(0, dataset.ClassNames.Count).Select(_ => new Queue<int>()).ToArray();
        var scan = Math.Min(dataset.Count, count * dataset.ClassNames.Count * 4);
        for (var i = 0; i < scan; i++) byClass[dataset.Label(i)].Enqueue(i);
        var chosen = new List<int>();
        while (chosen.Count < Math.Min(count, scan) && byClass.Any(q => q.Count > 0))
        {
            foreach (var q in byClass)
            {
                if (chosen.Count < count && q.Count > 0) chosen.Add(q.Dequeue());
            }
        }
        return FromIndices(dataset, chosen.ToArray());
    }

    public static ProbeSet FromIndices(ImageDataset dataset, int[] indices)
    {
        var size = dataset.ImageLength;
        var pixels = new float[indices.Length * size];
        var labels = new int[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            if (indices[k] < 0 || indices[k] >= dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"image {indices[k]} is out of range: {dataset.Name} has {dataset.Count} images");
            dataset.CopyImage(indices[k], pixels.AsSpan(k * size, size));
            labels[k] = dataset.Label(indices[k]);
        }
        using var scope = torch.NewDisposeScope();
        var display = torch.tensor(pixels, new long[] { indices.Length, dataset.Channels, dataset.Height, dataset.Width });
        var images = dataset.Normalization.Apply(display);
        return new ProbeSet(dataset, indices, images.DetachFromDisposeScope(), display.DetachFromDisposeScope(), labels);
    }

    public void Dispose()
    {
        Images.Dispose();
        Display.Dispose();
    }
}
