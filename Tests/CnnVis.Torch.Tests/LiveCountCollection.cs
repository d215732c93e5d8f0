namespace CnnVis.Torch.Tests;

/// <summary>
/// Tests that count live native tensors (<see cref="Tensor.LiveCount"/> is process-wide) run alone, after the
/// parallel ones, so no other test's tensors come or go while they count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCountCollection
{
    public const string Name = "LiveCount";
}
