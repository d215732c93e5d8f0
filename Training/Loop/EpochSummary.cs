namespace CnnVis.Training.Loop;

/// <summary>One finished epoch.</summary>
public sealed record EpochSummary(int Epoch, long Step, double TrainLoss, double TrainAccuracy, Evaluation Validation,
    TimeSpan Elapsed, double ImagesPerSecond);
