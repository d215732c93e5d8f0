using System.Globalization;
using CnnVis.Torch;

namespace CnnVis.Visualizers.Features;

/// <summary>Image i raises the logit of class <c>classes[i]</c>.</summary>
internal sealed class ClassLogitGoal(int[] classes) : ActivationGoal
{
    private readonly int[] _classes = CheckIndices(classes, "class");

    public override string? Layer => null;

    public override int Count => _classes.Length;

    internal override Tensor Score(Tensor output)
    {
        if (output.Dimensions != 2) throw new InvalidOperationException($"the model's output must be logits [N, classes], got shape [{string.Join(", ", output.shape)}]");
        var width = output.size(1);
        var tooLarge = _classes.FirstOrDefault(c => c >= width, -1);
        if (tooLarge >= 0) throw new ArgumentOutOfRangeException("classes", $"class {tooLarge} is out of range: the model predicts {width} classes (0-{width - 1})");
        using var selector = Selector(_classes, width, output);
        using var picked = output * selector;
        return picked.sum(1);
    }

    public override string Describe(int index) => $"class {_classes[index].ToString(CultureInfo.InvariantCulture)}";
}
