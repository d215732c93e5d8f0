using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Models;

namespace CnnVis.Training.Loop;

/// <summary>
/// Every image's pooled backbone features, computed once for a model whose body does not train
/// (<see cref="ClassifierModel.BodyIsFrozen"/>): an epoch of its head then costs a few small matrix products
/// instead of a backbone pass per image. Batches come in the loader's order, the features standing in for the images.
/// </summary>
internal sealed class FrozenFeatures : IDisposable
{
    private readonly Tensor _features;
    private readonly long[] _labels;

    private FrozenFeatures(Tensor features, long[] labels)
    {
        _features = features;
        _labels = labels;
    }

    public int Count => _labels.Length;

    public static FrozenFeatures Compute(ClassifierModel model, ImageDataset data, int batchSize, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var loader = new DataLoader(data, Math.Max(1, Math.Min(batchSize, 64)), shuffle: false, seed: 0);
        var parts = new List<Tensor>();
        foreach (var batch in loader)
        {
            using (batch)
            {
                parts.Add(model.PooledFeatures(channelsLast ? batch.Images.contiguous(MemoryFormat.ChannelsLast) : batch.Images));
            }
        }
        var features = torch.cat(parts.ToArray(), 0).contiguous();
        var labels = Enumerable.Range(0, data.Count).Select(i => (long)data.Label(i)).ToArray();
        return new FrozenFeatures(scope.MoveToOuter(features).DetachFromDisposeScope(), labels);
    }

    /// <summary>The batches of an epoch visiting images in <paramref name="order"/>, from batch <paramref name="firstBatch"/> on.</summary>
    public IEnumerable<Batch> Batches(int[] order, int batchSize, int firstBatch)
    {
        for (var start = firstBatch * batchSize; start < order.Length; start += batchSize)
        {
            var indices = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            using var index = torch.tensor(indices.Select(i => (long)i).ToArray());
            var features = _features.index_select(0, index).DetachFromDisposeScope();
            var labels = torch.tensor(indices.Select(i => _labels[i]).ToArray()).DetachFromDisposeScope();
            yield return new Batch(features, labels, indices);
        }
    }

    public void Dispose() => _features.Dispose();
}
