using CnnVis.Torch;
using CnnVis.Torch.Modules;

namespace CnnVis.Visualizers.Pass;

/// <summary>
/// Reads a model the way the feature visualizations need, leaving it as it was: eval mode while the probe lives
/// (every module's own mode restored on Dispose), gradients by autograd.grad with respect to a fresh input leaf
/// only (no parameter's .grad is touched), every hook removed in finally, and the layer outputs the hooks keep
/// (made outside every dispose scope) freed whatever happens.
/// </summary>
internal sealed class ModelProbe : IDisposable
{
    private readonly Module _model;
    private readonly List<(Module module, bool training)> _modes;

    public ModelProbe(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _modes = model.modules().Select(m => (m, m.training)).ToList();
        model.eval();
    }

    /// <summary>Throws naming <paramref name="images"/> unless it is a floating-point batch [N, C, H, W].</summary>
    public static void CheckImages(Tensor images, string name = "images")
    {
        ArgumentNullException.ThrowIfNull(images, name);
        var shape = images.shape;
        if (shape.Length != 4 || shape[0] == 0)
            throw new ArgumentException($"{name} must be a non-empty batch [N, C, H, W], got shape [{string.Join(", ", shape)}]", name);
        if (images.dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16))
            throw new ArgumentException($"{name} must hold floating-point values, got {images.dtype}", name);
    }

    /// <summary>The output of <paramref name="layer"/> (the logits for null) for <paramref name="input"/>, cut from any graph; the caller owns it.</summary>
    public Tensor Output(Tensor input, string? layer)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var output = Run(input, layer, ReluRule.Standard, out var logits);
        var result = layer is null ? logits.detach() : output.detach();
        return scope.MoveToOuter(result);
    }

    /// <summary>
    /// score(output of <paramref name="layer"/>, or the logits for null) per image, [N], and the gradient of their sum
    /// with respect to <paramref name="input"/>, [N, C, H, W], with the model's ReLUs following <paramref name="rule"/>.
    /// Images do not interact in eval mode, so each image's gradient is its own score's. The caller owns both.
    /// </summary>
    public (Tensor scores, Tensor gradient) Gradient(Tensor input, string? layer, Func<Tensor, Tensor> score, ReluRule rule) =>
        Gradient(input, layer, (_, output) => score(output), rule);

    /// <summary>
    /// As the other overload, but the score also sees the input leaf (the image being scored), so terms on the image
    /// itself (regularisers) are differentiated in the same graph: score(input, output) per image, [N].
    /// </summary>
    public (Tensor scores, Tensor gradient) Gradient(Tensor input, string? layer, Func<Tensor, Tensor, Tensor> score, ReluRule rule)
    {
        using var grad = torch.enable_grad();
        using var scope = torch.NewDisposeScope();
        // A fresh leaf, so the graph never reaches the caller's tensors and exists even when every parameter is frozen.
        var leaf = input.detach().requires_grad_(true);
        var output = Run(leaf, layer, rule, out var logits);
        var scores = score(leaf, layer is null ? logits : output);
        var total = scores.sum();
        var gradient = torch.autograd.grad(new[] { total }, new[] { leaf }, allow_unused: true)[0]
            ?? throw new InvalidOperationException($"the score does not depend on {_model.GetName()}'s input");
        return (scope.MoveToOuter(scores.detach()), scope.MoveToOuter(gradient));
    }

    // One forward under the rule keeping the layer's output (an alias, owned by the current scope), and the logits.
    private Tensor Run(Tensor input, string? layer, ReluRule rule, out Tensor logits)
    {
        var kept = new Dictionary<string, Tensor>();
        try
        {
            logits = Forward(_model, input, rule, layer is null ? [] : [layer], kept);
            if (layer is null) return logits;
            if (!kept.TryGetValue(layer, out var output)) throw new InvalidOperationException($"layer '{layer}' did not run in {_model.GetName()}'s forward");
            // A handle made here belongs to the current scope, which frees it with everything else.
            return output.alias();
        }
        finally
        {
            foreach (var output in kept.Values) output.Dispose();
        }
    }

    /// <summary>Throws naming the model unless <paramref name="rule"/> can be applied to it (a non-standard rule replaces its ReLU modules).</summary>
    public static void CheckRule(Module model, ReluRule rule)
    {
        if (rule != ReluRule.Standard && !model.modules().OfType<ReLU>().Any())
            throw new ArgumentException($"{model.GetName()} has no ReLU modules, so the {rule} ReLU rule cannot be applied: build the model's activations from torch.nn.ReLU()");
    }

    /// <summary>
    /// The logits of one forward of <paramref name="model"/> with its ReLUs following <paramref name="rule"/>, keeping the
    /// output of each of <paramref name="layers"/> in <paramref name="kept"/> (aliases made outside every dispose scope:
    /// the caller disposes them, also when this throws; a layer run twice keeps its last output). Every hook it adds is
    /// removed before it returns. The one place a forward is changed for an explanation, so every caller leaves the
    /// model as it was.
    /// </summary>
    public static Tensor Forward(Module model, Tensor input, ReluRule rule, IReadOnlyCollection<string> layers, Dictionary<string, Tensor> kept)
    {
        CheckRule(model, rule);
        var targets = layers.Select(l => (layer: l, module: model.get_submodule(l))).ToList();
        var hooks = new List<IDisposable>();
        try
        {
            if (rule != ReluRule.Standard)
            {
                Func<Tensor, Tensor> ruleRelu = rule == ReluRule.Guided ? torch.ops.guided_relu : torch.ops.deconv_relu;
                Module.ForwardHook replace = (_, x, output) =>
                {
                    var replaced = ruleRelu(x);
                    // Nothing reads the plain ReLU's output once it is replaced (a hook that keeps an output keeps an
                    // alias), so it is freed now rather than at the end of the pass: peak memory stays a forward's.
                    output.Dispose();
                    return replaced;
                };
                foreach (var relu in model.modules().OfType<ReLU>()) hooks.Add(relu.register_forward_hook(replace));
            }
            foreach (var (layer, module) in targets)
            {
                // Registered after the ReLU hooks, so a kept ReLU layer keeps the replaced output.
                hooks.Add(module.register_forward_hook((_, _, output) =>
                {
                    if (kept.Remove(layer, out var earlier)) earlier.Dispose();
                    kept[layer] = output.alias();
                    return null;
                }));
            }
            return model.call(input);
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
        }
    }

    public void Dispose()
    {
        // Pre-order, so a module's own mode wins over the one its parent's train() gave it.
        foreach (var (module, training) in _modes) module.train(training);
    }
}
