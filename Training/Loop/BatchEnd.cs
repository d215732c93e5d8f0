namespace CnnVis.Training.Loop;

/// <summary>One optimizer step: where it was, its loss and learning rate.</summary>
public sealed record BatchEnd(int Epoch, int Batch, long Step, double Loss, double LearningRate, int Images);
