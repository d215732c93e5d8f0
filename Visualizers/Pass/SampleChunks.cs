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
}
