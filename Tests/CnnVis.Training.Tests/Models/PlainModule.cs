using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Training.Tests.Models;

/// <summary>A module that does not name an explanation layer (no <see cref="IExplainableModel"/>).</summary>
public sealed class PlainModule : Module
{
    private readonly Linear _linear;

    public PlainModule() => _linear = register_module("linear", torch.nn.Linear(16, 5));

    public override Tensor forward(Tensor input)
    {
        using var flat = input.flatten(1);
        return _linear.call(flat);
    }
}
