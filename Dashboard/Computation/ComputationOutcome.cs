namespace CnnVis.Dashboard.Computation;

/// <summary>
/// How a page's computation ended (<see cref="PageComputation.RunAsync{T}"/>): with its <see cref="Value"/>, or with
/// a <see cref="Message"/> for the page (the queue was full, the user cancelled, or the work failed; then
/// <see cref="Failure"/> is the exception, for the page to log when it did not expect it).
/// </summary>
public sealed record ComputationOutcome<T>(T? Value, string? Message, Exception? Failure)
{
    public bool Succeeded => Message is null;

    internal static ComputationOutcome<T> Done(T value) => new(value, null, null);

    internal static ComputationOutcome<T> Refused(string message) => new(default, message, null);

    internal static ComputationOutcome<T> Failed(Exception failure) => new(default, failure.Message, failure);
}
