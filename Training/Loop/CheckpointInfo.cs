namespace CnnVis.Training.Loop;

/// <summary>A checkpoint written to disk: its folder and where in the run it was taken.</summary>
public sealed record CheckpointInfo(string Directory, int Epoch, long Step, bool EndOfEpoch);
