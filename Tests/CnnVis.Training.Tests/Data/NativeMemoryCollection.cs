namespace CnnVis.Training.Tests.Data;

/// <summary>
/// Tests that count live native tensors. Tensor.LiveCount is process-wide, so these run on their own,
/// after the tests that run in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    public const string Name = "data: native memory";
}
