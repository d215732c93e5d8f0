namespace CnnVis.Training.Loop;

/// <summary>A training callback threw; training stopped cleanly. The message names the callback and the hook.</summary>
public sealed class CallbackFailedException(string message, Exception inner) : Exception(message, inner);
