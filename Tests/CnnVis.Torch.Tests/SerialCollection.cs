namespace CnnVis.Torch.Tests;

/// <summary>
/// Tests that need the process to themselves run alone, after the parallel ones: counting live native tensors
/// (<see cref="Tensor.LiveCount"/> is process-wide) and replaying the global random generator.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
