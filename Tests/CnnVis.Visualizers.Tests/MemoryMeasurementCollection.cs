namespace CnnVis.Visualizers.Tests;

/// <summary>
/// Tests that measure the process's peak resident memory: they run alone, after the parallel ones, since any test
/// allocating at the same time would raise the peak they read.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement";
}
