namespace CnnVis.Monitor.Store;

/// <summary>No run with the given id is in the store.</summary>
public sealed class RunNotFoundException(string message) : RunStoreException(message);
