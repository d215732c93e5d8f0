using CnnVis.Torch;

namespace CnnVis.Visualizers.Targets;

/// <summary>Explains the same class for every image (e.g. "why would this be a sneaker?").</summary>
public sealed record ClassTarget : ExplanationTarget
{
    public ClassTarget(int classIndex)
    {
        if (classIndex < 0) throw new ArgumentOutOfRangeException(nameof(classIndex), $"target class {classIndex} is out of range: classes are numbered from 0");
        Class = classIndex;
    }

    public int Class { get; }

    public override Tensor ClassesFor(Tensor logits)
    {
        var (images, classes) = ShapeOf(logits);
        if (Class >= classes)
            throw new ArgumentOutOfRangeException(nameof(Class), $"target class {Class} is out of range: the model predicts {classes} classes (0-{classes - 1})");
        return torch.full(new[] { images }, Class, ScalarType.Int64);
    }

    public override string ToString() => $"class {Class}";
}
