namespace CnnVis.Torch.Modules;

/// <summary>max(0, x).</summary>
public sealed class ReLU : Module
{
    public override Tensor forward(Tensor input) => torch.nn.functional.relu(input);
}
