namespace CnnVis.Torch.Modules;

/// <summary>Zeroes elements with probability p while training; the identity in eval mode.</summary>
public sealed class Dropout : Module
{
    public Dropout(double p = 0.5)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be between 0 and 1, got {p}");
        P = p;
    }

    public double P { get; }

    public override Tensor forward(Tensor input) => torch.nn.functional.dropout(input, P, training);
}
