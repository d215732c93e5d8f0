namespace CnnVis.Torch.Modules;

/// <summary>Batch normalisation over [N, C, H, W], with running statistics as PyTorch keeps them.</summary>
public sealed class BatchNorm2d : Module
{
    public BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track_running_stats = true)
    {
        if (num_features <= 0) throw new ArgumentException($"BatchNorm2d needs a positive number of features, got {num_features}");
        NumFeatures = num_features;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            using var w = torch.ones(new[] { num_features });
            using var b = torch.zeros(new[] { num_features });
            weight = new Parameter(w);
            bias = new Parameter(b);
        }
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        if (track_running_stats)
        {
            register_buffer("running_mean", torch.zeros(new[] { num_features }).DetachFromDisposeScope());
            register_buffer("running_var", torch.ones(new[] { num_features }).DetachFromDisposeScope());
            register_buffer("num_batches_tracked", torch.tensor(0L).DetachFromDisposeScope());
        }
    }

    public long NumFeatures { get; }
    public double Eps { get; }
    public double Momentum { get; }
    public Parameter? weight { get; }
    public Parameter? bias { get; }
    public Tensor? running_mean => get_buffer("running_mean");
    public Tensor? running_var => get_buffer("running_var");
    public Tensor? num_batches_tracked => get_buffer("num_batches_tracked");

    public override Tensor forward(Tensor input) => Normalize(input, relu: false);

    /// <summary>
    /// relu(forward(input)) in one operator (torch.ops.batch_norm_relu): what Sequential runs for a BatchNorm2d followed by a
    /// ReLU when neither has forward hooks. Same result and the same running-statistics update as the two modules.
    /// </summary>
    public Tensor forward_relu(Tensor input) => Normalize(input, relu: true);

    /// <summary>
    /// <c>relu.call(call(input))</c>: one fused operator (<see cref="forward_relu"/>) when neither module has forward hooks,
    /// the two modules otherwise, so a hook sees the tensors it would see without fusion. For blocks that are not a
    /// <see cref="Sequential"/> (which makes the same choice by itself), such as a residual block's batch norm and ReLU.
    /// </summary>
    public Tensor call_relu(ReLU relu, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(relu);
        if (ForwardHookCount == 0 && relu.ForwardHookCount == 0) return forward_relu(input);
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(relu.call(call(input)));
    }

    private Tensor Normalize(Tensor input, bool relu)
    {
        if (input.Dimensions != 4)
            throw new ArgumentException($"BatchNorm2d expects a 4-D input [N, C, H, W], got shape [{string.Join(", ", input.shape)}]");
        if (input.size(1) != NumFeatures)
            throw new ArgumentException($"BatchNorm2d({NumFeatures}) expects {NumFeatures} channels, got input [{string.Join(", ", input.shape)}]");
        var useBatchStats = training || running_mean is null;
        if (training && num_batches_tracked is { } n)
        {
            using (torch.no_grad()) n.add_(1L);
        }
        var mean = useBatchStats && !training ? null : running_mean;
        var variance = useBatchStats && !training ? null : running_var;
        return relu
            ? torch.ops.batch_norm_relu(input, mean, variance, weight, bias, useBatchStats, Momentum, Eps)
            : torch.nn.functional.batch_norm(input, mean, variance, weight, bias, useBatchStats, Momentum, Eps);
    }
}
