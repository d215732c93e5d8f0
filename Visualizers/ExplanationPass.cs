using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Visualizers.Pass;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers;

/// <summary>
/// Computes a chosen set of methods for a batch of images with the least work: one forward per ReLU rule the
/// methods need, keeping the layer outputs they read, and at most one <c>autograd.grad</c> per forward giving the
/// gradient with respect to the input and to those outputs together. Saliency, gradient × input, CAM, Grad-CAM,
/// Grad-CAM++ and LayerCAM share the standard forward and backward; guided backprop and guided Grad-CAM add one
/// guided forward and backward.
/// </summary>
/// <remarks>
/// Safe in the middle of training: the model runs in eval mode and every module's mode is restored; gradients come
/// from autograd.grad, so no parameter's .grad changes; in eval mode batch norm reads its running statistics and
/// never updates them; every hook the pass adds is removed in finally, also when a method throws.
/// </remarks>
public sealed class ExplanationPass
{
    /// <summary>Images per forward for methods that sample, unless the caller says otherwise.</summary>
    public const int DefaultMaxBatch = 256;

    private readonly ExplanationMethod[] _methods;

    public ExplanationPass(IEnumerable<ExplanationMethod> methods, int maxBatch = DefaultMaxBatch)
    {
        ArgumentNullException.ThrowIfNull(methods);
        _methods = methods.ToArray();
        if (_methods.Length == 0) throw new ArgumentException("an explanation pass needs at least one method", nameof(methods));
        for (var k = 0; k < _methods.Length; k++)
        {
            if (_methods[k] is null) throw new ArgumentException($"method {k} is null", nameof(methods));
        }
        var repeated = _methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"the method '{repeated.Key}' is given more than once: names in one pass must differ", nameof(methods));
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), $"maxBatch must be at least 1, got {maxBatch}");
        MaxBatch = maxBatch;
    }

    public IReadOnlyList<ExplanationMethod> Methods => _methods;

    /// <summary>The most images a sampling method sends through the model at once: the caller's memory limit.</summary>
    public int MaxBatch { get; }

    /// <summary>How many forwards <see cref="Run"/> makes on <paramref name="model"/> before sampling methods add theirs.</summary>
    public int ForwardCount(Module model) => MakePlan(model, ExplainableOf(model)).ForwardCount;

    /// <summary>Explains <paramref name="images"/> [N, C, H, W] with every method; the caller owns (disposes) the result.</summary>
    public ExplanationSet Run(Module model, Tensor images, ExplanationTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var explainable = ExplainableOf(model);
        ModelProbe.CheckImages(images);
        var plan = MakePlan(model, explainable);

        // Eval mode while the pass runs; every module's own mode is restored whatever happens.
        using var probe = new ModelProbe(model);
        using var scope = torch.NewDisposeScope();
        var input = images.detach();
        var records = new Dictionary<ReluRule, PassRecord>();
        Tensor? classes = null;
        foreach (var step in plan.Steps) records[step.Rule] = Record(model, input, step, target, ref classes);
        var context = new ExplanationContext(model, explainable, input, classes!, records, MaxBatch);
        var maps = new OrderedDictionary<string, Tensor>();
        foreach (var method in _methods) maps[method.Name] = context.MapOf(method);
        // Moved out only once every method succeeded, so a failure leaves nothing behind.
        foreach (var map in maps.Values) scope.MoveToOuter(map);
        foreach (var report in context.Reports.Values) scope.MoveToOuter(report);
        var logits = scope.MoveToOuter(records.Values.First().Logits);
        return new ExplanationSet(maps, context.Reports, logits, scope.MoveToOuter(classes!));
    }

    private PassPlan MakePlan(Module model, IExplainableModel explainable)
    {
        var plan = new PassPlan(explainable.ExplanationLayer);
        foreach (var method in _methods) method.Plan(plan);
        // Every pass resolves its targets from one forward, even when no method asked for one.
        if (plan.ForwardCount == 0) plan.RequireForward(ReluRule.Standard);
        foreach (var step in plan.Steps)
        {
            foreach (var layer in step.Layers) model.get_submodule(layer);
            ModelProbe.CheckRule(model, step.Rule);
        }
        return plan;
    }

    private static IExplainableModel ExplainableOf(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model as IExplainableModel
            ?? throw new ArgumentException($"{model.GetName()} cannot be explained: it does not implement IExplainableModel (which names its explanation layer)", nameof(model));
    }

    private static PassRecord Record(Module model, Tensor input, PlannedStep step, ExplanationTarget target, ref Tensor? classes)
    {
        var (rule, layers) = (step.Rule, step.Layers);
        using var gradMode = step.Backward ? torch.enable_grad() : torch.no_grad();
        // A fresh leaf per forward, so this pass's graph never reaches the caller's tensors. It requires grad
        // whenever there is a backward, so layer outputs have a graph even when every parameter is frozen.
        var leaf = input.detach();
        if (step.Backward) leaf.requires_grad_(true);

        var kept = new Dictionary<string, Tensor>();
        // The kept outputs are made by hooks, outside every dispose scope: they are freed here, whatever happens.
        try
        {
            var logits = ModelProbe.Forward(model, leaf, rule, layers, kept);

            var shape = logits.shape;
            if (shape.Length != 2 || shape[0] != input.size(0))
                throw new InvalidOperationException($"{model.GetName()} returned shape [{string.Join(", ", shape)}] for {input.size(0)} images: explanations need logits [N, classes]");
            classes ??= target.ClassesFor(logits);
            foreach (var layer in layers)
            {
                if (!kept.ContainsKey(layer)) throw new InvalidOperationException($"layer '{layer}' did not run in {model.GetName()}'s forward, so it cannot be explained");
            }

            Tensor? inputGradient = null;
            var layerGradients = new Dictionary<string, Tensor>();
            if (step.Backward)
            {
                using var picked = logits.gather(1, classes.unsqueeze(1));
                // Images do not interact in eval mode, so the gradient of the summed score is each image's own gradient.
                using var score = picked.sum();
                // Only what was asked for: without the input among them, the backward stops at the layers.
                var wrt = new List<Tensor>();
                if (step.InputGradient) wrt.Add(leaf);
                wrt.AddRange(step.LayerGradients.Select(l => kept[l]));
                var grads = torch.autograd.grad(new[] { score }, wrt, allow_unused: true);
                var offset = 0;
                if (step.InputGradient)
                {
                    inputGradient = grads[0] ?? throw new InvalidOperationException($"{model.GetName()}'s output does not depend on its input");
                    offset = 1;
                }
                for (var k = 0; k < step.LayerGradients.Count; k++)
                {
                    var layer = step.LayerGradients[k];
                    layerGradients[layer] = grads[k + offset]
                        ?? throw new InvalidOperationException($"the target score does not depend on layer '{layer}', so it has no gradient there");
                }
            }

            // Cut from the graph so the record holds values only and the graph is freed now.
            var activations = kept.ToDictionary(kv => kv.Key, kv => kv.Value.detach());
            var detachedLogits = logits.detach();
            logits.Dispose();
            leaf.Dispose();
            return new PassRecord(rule, detachedLogits, inputGradient, activations, layerGradients);
        }
        finally
        {
            foreach (var output in kept.Values) output.Dispose();
        }
    }
}
