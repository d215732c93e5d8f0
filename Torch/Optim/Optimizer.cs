namespace CnnVis.Torch.Optim;

/// <summary>
/// Updates parameters from their gradients, as torch.optim.Optimizer (one parameter group). Its state
/// (step counts, moment buffers) can be saved and restored so training resumes exactly.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IEnumerable<Parameter> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToList();
        if (Parameters.Count == 0) throw new ArgumentException("the optimizer was given no parameters");
        if (!(lr >= 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), $"learning rate must be a non-negative number, got {lr}");
        LearningRate = lr;
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The current learning rate; schedules change it between steps.</summary>
    public double LearningRate { get; set; }

    /// <summary>Forgets every parameter's gradient.</summary>
    public void zero_grad()
    {
        foreach (var p in Parameters) p.grad = null;
    }

    /// <summary>One update from the current gradients (parameters without a gradient are left alone).</summary>
    public void step()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        for (var k = 0; k < Parameters.Count; k++)
        {
            var g = Parameters[k].grad;
            if (g is null) continue;
            Update(k, Parameters[k], g);
        }
    }

    /// <summary>Updates one parameter in place; temporaries made here are freed by the caller's scope.</summary>
    protected abstract void Update(int index, Parameter p, Tensor grad);

    /// <summary>
    /// State tensors by flat name ("state.3.exp_avg", "state.3.step"): what a checkpoint stores. The tensors are the
    /// optimizer's own (not copies): do not dispose them.
    /// </summary>
    public abstract OrderedDictionary<string, Tensor> state_dict();

    /// <summary>Restores what <see cref="state_dict"/> gave; an entry that does not fit is an error naming it.</summary>
    public abstract void load_state_dict(IReadOnlyDictionary<string, Tensor> state);

    /// <summary>Reads state "state.{index}.{name}" from a dictionary, checking its shape against the parameter.</summary>
    protected Tensor? ReadState(IReadOnlyDictionary<string, Tensor> state, int index, string name, bool matchParameterShape = true)
    {
        if (!state.TryGetValue($"state.{index}.{name}", out var t)) return null;
        if (matchParameterShape && !t.shape.SequenceEqual(Parameters[index].shape))
            throw new ArgumentException($"optimizer state 'state.{index}.{name}' has shape [{string.Join(", ", t.shape)}] but parameter {index} has [{string.Join(", ", Parameters[index].shape)}]");
        return t.clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
