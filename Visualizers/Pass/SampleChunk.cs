using CnnVis.Torch;

namespace CnnVis.Visualizers.Pass;

/// <summary>Items [Start, Start + Count) of a virtual batch of images × samples (see <see cref="SampleChunks"/>).</summary>
internal readonly record struct SampleChunk(long Start, long Count, long Samples)
{
    /// <summary>The image each item belongs to, int64 [Count].</summary>
    public Tensor ImageIndex()
    {
        var values = new long[Count];
        for (var k = 0; k < Count; k++) values[k] = (Start + k) / Samples;
        return torch.tensor(values, new[] { Count });
    }

    /// <summary>Which of its image's samples each item is, int64 [Count].</summary>
    public Tensor SampleIndex()
    {
        var values = new long[Count];
        for (var k = 0; k < Count; k++) values[k] = (Start + k) % Samples;
        return torch.tensor(values, new[] { Count });
    }
}
