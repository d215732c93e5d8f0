namespace CnnVis.Torch.Modules;

/// <summary>Flattens dimensions start_dim..end_dim into one (default: all but the batch).</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : Module
{
    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);
}
