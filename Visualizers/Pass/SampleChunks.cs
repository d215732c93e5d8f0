using CnnVis.Torch;

namespace CnnVis.Visualizers.Pass;

/// <summary>
/// Methods that sample send N images × S samples through the model: as one virtual batch ordered image by image
/// (item i is image i / S, sample i % S), cut into chunks of at most the caller's batch limit.
/// </summary>
internal readonly record struct SampleChunks(long Images, long Samples, int MaxBatch)
{
    public IEnumerable<SampleChunk> All()
    {
        var total = Images * Samples;
        for (long start = 0; start < total; start += MaxBatch) yield return new SampleChunk(start, Math.Min(MaxBatch, total - start), Samples);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on every chunk inside a dispose scope of its own, so what one chunk makes is freed
    /// before the next starts: peak memory is one chunk's, as the caller's batch limit intends. Results kept across
    /// chunks must be moved out of the scope or written in place into tensors made outside it.
    /// </summary>
    public void ForEach(Action<SampleChunk> body)
    {
        foreach (var chunk in All())
        {
            using var scope = torch.NewDisposeScope();
            body(chunk);
        }
    }
}
