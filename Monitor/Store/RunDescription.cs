namespace CnnVis.Monitor.Store;

/// <summary>What a new run is: its name, data, model, the configuration it was started with (JSON) and its classes.</summary>
public sealed record RunDescription(string Name, string Dataset, string Model, string Configuration, IReadOnlyList<string> ClassNames,
    int EpochsPlanned, string? CheckpointDirectory = null);
