using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Tests.Models;

/// <summary>
/// logits = W · ReLU(flatten(x)): the gradient reaching the input for class k is W[k] where x &gt; 0, so guided
/// backprop must give ReLU(W[k]) there and deconvnet ReLU(W[k]) everywhere.
/// </summary>
public sealed class ReluThenLinear : Module, IExplainableModel
{
    public ReluThenLinear(long channels, long height, long width, long classes)
    {
        Flatten = register_module("flatten", torch.nn.Flatten());
        Relu = register_module("relu", torch.nn.ReLU());
        Fc = register_module("fc", torch.nn.Linear(channels * height * width, classes, bias: false));
        Shape = new[] { channels, height, width };
        NumClasses = (int)classes;
    }

    public Flatten Flatten { get; }
    public ReLU Relu { get; }
    public Linear Fc { get; }
    public long[] Shape { get; }

    public string ExplanationLayer => "relu";
    public string? ClassifierLayer => null;
    public int NumClasses { get; }

    public override Tensor forward(Tensor input)
    {
        using var flat = Flatten.call(input);
        using var positive = Relu.call(flat);
        return Fc.call(positive);
    }
}
