namespace CnnVis.Torch;

/// <summary>A state dict that does not fit a model: which keys are missing, unexpected or mis-shaped.</summary>
public sealed class StateDictMismatchException(string message, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
    IReadOnlyList<string> misshaped) : Exception(message)
{
    public IReadOnlyList<string> Missing { get; } = missing;
    public IReadOnlyList<string> Unexpected { get; } = unexpected;
    public IReadOnlyList<string> Misshaped { get; } = misshaped;
}
