namespace CnnVis.Training.Tests.Loop;

/// <summary>
/// Tests that train. libtorch's random generator is process-wide, and a run seeds it: two runs at once
/// would draw from each other's stream, so these classes take turns.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TrainingRunCollection
{
    public const string Name = "loop: training runs";
}
