namespace CnnVis.Torch.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba) as torch.optim.Adam, with L2 weight decay; with <c>decoupled</c> it is AdamW
/// (Loshchilov &amp; Hutter), whose decay shrinks the weights directly.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor?[] _expAvg;
    private readonly Tensor?[] _expAvgSq;
    private readonly long[] _steps;
    // The step counts as tensors, made for state_dict and kept here so that its caller owns none of what it gets.
    private readonly Tensor?[] _stepTensors;

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 0, bool decoupled = false) : base(parameters, lr)
    {
        if (beta1 < 0 || beta1 >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 must be in [0, 1), got {beta1}");
        if (beta2 < 0 || beta2 >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 must be in [0, 1), got {beta2}");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must not be negative, got {eps}");
        if (weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(weight_decay), $"weight decay must not be negative, got {weight_decay}");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weight_decay;
        Decoupled = decoupled;
        _expAvg = new Tensor?[Parameters.Count];
        _expAvgSq = new Tensor?[Parameters.Count];
        _steps = new long[Parameters.Count];
        _stepTensors = new Tensor?[Parameters.Count];
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public bool Decoupled { get; }

    protected override void Update(int index, Parameter p, Tensor grad)
    {
        var step = ++_steps[index];
        if (WeightDecay != 0)
        {
            if (Decoupled) p.mul_(1 - LearningRate * WeightDecay);
            else grad = grad.add(p, WeightDecay);
        }
        var m = _expAvg[index] ??= torch.zeros_like(p).DetachFromDisposeScope();
        var v = _expAvgSq[index] ??= torch.zeros_like(p).DetachFromDisposeScope();
        m.mul_(Beta1).add_(grad, 1 - Beta1);
        v.mul_(Beta2).addcmul_(grad, grad, 1 - Beta2);
        var biasCorrection1 = 1 - Math.Pow(Beta1, step);
        var biasCorrection2 = 1 - Math.Pow(Beta2, step);
        var stepSize = LearningRate / biasCorrection1;
        var denom = v.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(Eps);
        p.addcdiv_(m, denom, -stepSize);
    }

    public override OrderedDictionary<string, Tensor> state_dict()
    {
        var s = new OrderedDictionary<string, Tensor>();
        for (var k = 0; k < _steps.Length; k++)
        {
            if (_expAvg[k] is null) continue;
            var step = _stepTensors[k] ??= torch.tensor(0.0).DetachFromDisposeScope();
            step.fill_(_steps[k]);
            s[$"state.{k}.step"] = step;
            s[$"state.{k}.exp_avg"] = _expAvg[k]!;
            s[$"state.{k}.exp_avg_sq"] = _expAvgSq[k]!;
        }
        return s;
    }

    public override void load_state_dict(IReadOnlyDictionary<string, Tensor> state)
    {
        var m = new Tensor?[_steps.Length];
        var v = new Tensor?[_steps.Length];
        var steps = new long[_steps.Length];
        for (var k = 0; k < _steps.Length; k++)
        {
            m[k] = ReadState(state, k, "exp_avg");
            v[k] = ReadState(state, k, "exp_avg_sq");
            using var s = ReadState(state, k, "step", matchParameterShape: false);
            steps[k] = s is null ? 0 : (long)s.item<double>();
            if ((m[k] is null) != (v[k] is null)) throw new ArgumentException($"optimizer state for parameter {k} has only one of exp_avg and exp_avg_sq");
        }
        for (var k = 0; k < _steps.Length; k++)
        {
            _expAvg[k]?.Dispose();
            _expAvgSq[k]?.Dispose();
            _expAvg[k] = m[k];
            _expAvgSq[k] = v[k];
            _steps[k] = steps[k];
        }
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var t in _expAvg) t?.Dispose();
        foreach (var t in _expAvgSq) t?.Dispose();
        foreach (var t in _stepTensors) t?.Dispose();
    }
}
