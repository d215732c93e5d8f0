using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>logits = W · flatten(x) + b: its input gradient for class k is W[k], known by hand.</summary>
public sealed class LinearModel : Module, IExplainableModel
{
    public LinearModel(long channels, long height, long width, long classes)
    {
        Flatten = register_module("flatten", torch.nn.Flatten());
        Fc = register_module("fc", torch.nn.Linear(channels * height * width, classes));
        Shape = new[] { channels, height, width };
        NumClasses = (int)classes;
    }

    public Flatten Flatten { get; }
    public Linear Fc { get; }
    public long[] Shape { get; }

    public string ExplanationLayer => "flatten";
    public string? ClassifierLayer => null;
    public int NumClasses { get; }

    /// <summary>Row <paramref name="k"/> of W shaped like one image, [C, H, W].</summary>
    public Tensor WeightsOf(int k)
    {
        using var w = Fc.weight.detach();
        using var row = w.select(0, k);
        return row.reshape(Shape);
    }

    public override Tensor forward(Tensor input)
    {
        using var flat = Flatten.call(input);
        return Fc.call(flat);
    }
}
