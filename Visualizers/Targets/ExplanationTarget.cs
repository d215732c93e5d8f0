using CnnVis.Torch;

namespace CnnVis.Visualizers.Targets;

/// <summary>
/// What to explain, as a value separate from how: a fixed class, the model's prediction, or each image's
/// true label. A method asks the target for one class index per image once it has seen the logits.
/// </summary>
public abstract record ExplanationTarget
{
    /// <summary>The class to explain for each image: int64 [N], on the logits' device.</summary>
    /// <param name="logits">The model's output for the batch, [N, classes].</param>
    public abstract Tensor ClassesFor(Tensor logits);

    /// <summary>Checks that <paramref name="logits"/> is [N, classes] and returns (N, classes).</summary>
    protected static (long images, long classes) ShapeOf(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var shape = logits.shape;
        if (shape.Length != 2)
            throw new ArgumentException($"the model's output must be logits [N, classes], got shape [{string.Join(", ", shape)}]", nameof(logits));
        return (shape[0], shape[1]);
    }
}
