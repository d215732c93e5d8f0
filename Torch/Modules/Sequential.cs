namespace CnnVis.Torch.Modules;

/// <summary>Children run in order; named "0", "1", ... unless names are given, as PyTorch's Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = new();

    public Sequential(params Module[] layers)
    {
        for (var k = 0; k < layers.Length; k++) _layers.Add(register_module(k.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[k]));
    }

    public Sequential(params (string name, Module module)[] layers)
    {
        foreach (var (name, module) in layers) _layers.Add(register_module(name, module));
    }

    public int Count => _layers.Count;

    public Module this[int index] => _layers[index];

    /// <summary>
    /// Whether a BatchNorm2d followed by a ReLU, neither with forward hooks, runs as one fused operator
    /// (BatchNorm2d.forward_relu). On by default; the result is the same either way up to float rounding.
    /// A hook on either module (a kept layer, a guided-backprop ReLU) runs that pair as two modules.
    /// </summary>
    public static bool FuseBatchNormRelu { get; set; } = true;

    public override Tensor forward(Tensor input)
    {
        if (_layers.Count == 0) return input.alias();
        // Intermediate results are freed as soon as the next layer has used them; the caller's input never is,
        // even when a layer or hook passes it through.
        var fused = FusedInference.Current is { } setting && !torch.is_grad_enabled() ? setting : null;
        var x = input;
        for (var k = 0; k < _layers.Count; k++)
        {
            Tensor next;
            if (fused is not null && ConvStack.From(_layers, k, x) is { } stack)
            {
                next = stack.Run(x, fused.Winograd);
                k += stack.ModuleCount - 1;
            }
            else if (FuseBatchNormRelu && _layers[k] is BatchNorm2d bn && k + 1 < _layers.Count && _layers[k + 1] is ReLU relu
                && bn.ForwardHookCount == 0 && relu.ForwardHookCount == 0)
            {
                next = bn.forward_relu(x);
                k++;
            }
            else
            {
                next = _layers[k].call(x);
            }
            if (!ReferenceEquals(next, x) && !ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return x;
    }
}
