using CnnVis.Torch;

namespace CnnVis.Training.Data;

/// <summary>
/// One batch of images ready for a model. It owns its tensors, which belong to no dispose scope:
/// whoever takes the batch from the loader disposes it (a `using` in the loop).
/// </summary>
public sealed class Batch : IDisposable
{
    public Batch(Tensor images, Tensor labels, int[] indices, Tensor? masks = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(indices);
        Images = images;
        Labels = labels;
        Indices = indices;
        Masks = masks;
    }

    /// <summary>[N, C, H, W] float32, normalised.</summary>
    public Tensor Images { get; }

    /// <summary>[N] int64 class indices.</summary>
    public Tensor Labels { get; }

    /// <summary>For each row, the index of its image in the loader's dataset.</summary>
    public int[] Indices { get; }

    /// <summary>[N, 1, H, W] float32 object masks (1 = object), when the dataset has them; augmented like the images.</summary>
    public Tensor? Masks { get; }

    /// <summary>Rows in the batch.</summary>
    public int Count => Indices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Masks?.Dispose();
    }
}
