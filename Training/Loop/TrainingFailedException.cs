namespace CnnVis.Training.Loop;

/// <summary>Training could not start or go on: bad options, data that cannot be read, a checkpoint that does not fit.</summary>
public sealed class TrainingFailedException(string message, Exception? inner = null) : Exception(message, inner);
