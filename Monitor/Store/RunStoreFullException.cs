namespace CnnVis.Monitor.Store;

/// <summary>The store could not grow (the disk or a size limit is full); the write that failed left nothing behind.</summary>
public sealed class RunStoreFullException(string message, Exception inner) : RunStoreException(message, inner);
