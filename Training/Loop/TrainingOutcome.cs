namespace CnnVis.Training.Loop;

/// <summary>How a run ended: completed, cancelled, diverged (NaN/inf loss) or stopped by a failing callback.</summary>
public sealed record TrainingOutcome(TrainingStatus Status, int Epoch, long Step, string Message, Evaluation? LastEvaluation,
    CheckpointInfo? LastCheckpoint);
