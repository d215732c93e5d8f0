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
    /// (<see cref="BatchNorm2d.forward_relu"/>), in training as in evaluation. On by default; the result and the running
    /// statistics are the same either way up to float rounding. A hook on either module (a kept layer, a guided-backprop
    /// ReLU) runs that pair as two modules.
    /// </summary>
    public bool FuseBatchNormRelu { get; set; } = true;

    /// <summary>
    /// Whether, under <see cref="torch.fused_inference"/> with gradients off, runs of eval-mode Conv2d [→ BatchNorm2d]
    /// [→ ReLU] and MaxPool2d children without hooks go through one <see cref="torch.ops.conv_stack"/> call. On by default;
    /// it has no effect outside fused inference.
    /// </summary>
    public bool StackConvolutions { get; set; } = true;

    /// <summary>
    /// How <see cref="forward"/> would run the children from <paramref name="index"/> on for <paramref name="input"/>
    /// (the value reaching that child), given this container's settings, the modes, hooks and grad mode now. The one
    /// place the choice is made: forward asks it at every step.
    /// </summary>
    public SequentialStep StepAt(int index, Tensor input)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _layers.Count);
        return Choose(index, input, FusedInference.Current).step;
    }

    private (SequentialStep step, ConvStack? stack) Choose(int k, Tensor x, FusedInference? fusedInference)
    {
        if (StackConvolutions && fusedInference is not null && !torch.is_grad_enabled() && ConvStack.From(_layers, k, x) is { } stack)
            return (new SequentialStep(k, stack.ModuleCount, SequentialPath.ConvStack), stack);
        if (FuseBatchNormRelu && _layers[k] is BatchNorm2d bn && k + 1 < _layers.Count && _layers[k + 1] is ReLU relu
            && bn.ForwardHookCount == 0 && relu.ForwardHookCount == 0)
            return (new SequentialStep(k, 2, SequentialPath.BatchNormRelu), null);
        return (new SequentialStep(k, 1, SequentialPath.Module), null);
    }

    public override Tensor forward(Tensor input)
    {
        if (_layers.Count == 0) return input.alias();
        // Intermediate results are freed as soon as the next layer has used them; the caller's input never is,
        // even when a layer or hook passes it through.
        var fusedInference = FusedInference.Current;
        var x = input;
        for (var k = 0; k < _layers.Count;)
        {
            var (step, stack) = Choose(k, x, fusedInference);
            var next = step.Path switch
            {
                SequentialPath.ConvStack => stack!.Run(x, fusedInference!),
                SequentialPath.BatchNormRelu => ((BatchNorm2d)_layers[k]).forward_relu(x),
                _ => _layers[k].call(x),
            };
            k += step.Count;
            if (!ReferenceEquals(next, x) && !ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return x;
    }
}
