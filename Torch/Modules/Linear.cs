namespace CnnVis.Torch.Modules;

/// <summary>y = x Wᵀ + b, with PyTorch's default initialisation (uniform in ±1/√in_features).</summary>
public sealed class Linear : Module
{
    public Linear(long in_features, long out_features, bool bias = true)
    {
        if (in_features <= 0 || out_features <= 0)
            throw new ArgumentException($"Linear({in_features}, {out_features}): sizes must be positive");
        InFeatures = in_features;
        OutFeatures = out_features;
        var bound = 1.0 / Math.Sqrt(in_features);
        using (torch.no_grad())
        {
            using var w = torch.empty(new[] { out_features, in_features }).uniform_(-bound, bound);
            weight = new Parameter(w);
            register_parameter("weight", weight);
            if (bias)
            {
                using var b = torch.empty(new[] { out_features }).uniform_(-bound, bound);
                this.bias = new Parameter(b);
            }
            register_parameter("bias", this.bias);
        }
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Parameter weight { get; }
    public Parameter? bias { get; }

    public override Tensor forward(Tensor input) => torch.nn.functional.linear(input, weight, bias);
}
