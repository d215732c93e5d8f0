namespace CnnVis.Monitor.Store;

/// <summary>The run store cannot do what was asked: the message names the store (or run) and what is wrong.</summary>
public class RunStoreException : Exception
{
    public RunStoreException(string message) : base(message) { }

    public RunStoreException(string message, Exception inner) : base(message, inner) { }
}
