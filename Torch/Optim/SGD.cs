namespace CnnVis.Torch.Optim;

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD.</summary>
public sealed class SGD : Optimizer
{
    private readonly Tensor?[] _momentum;

    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"momentum must not be negative, got {momentum}");
        if (weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(weight_decay), $"weight decay must not be negative, got {weight_decay}");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum needs a positive momentum and zero dampening");
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weight_decay;
        Nesterov = nesterov;
        _momentum = new Tensor?[Parameters.Count];
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    protected override void Update(int index, Parameter p, Tensor grad)
    {
        var d = WeightDecay != 0 ? grad.add(p, WeightDecay) : grad;
        if (Momentum != 0)
        {
            var buf = _momentum[index];
            if (buf is null)
            {
                buf = _momentum[index] = d.clone().DetachFromDisposeScope();
            }
            else
            {
                buf.mul_(Momentum).add_(d, 1 - Dampening);
            }
            d = Nesterov ? d.add(buf, Momentum) : buf;
        }
        p.add_(d, -LearningRate);
    }

    public override OrderedDictionary<string, Tensor> state_dict()
    {
        var s = new OrderedDictionary<string, Tensor>();
        for (var k = 0; k < _momentum.Length; k++)
        {
            if (_momentum[k] is { } m) s[$"state.{k}.momentum_buffer"] = m;
        }
        return s;
    }

    public override void load_state_dict(IReadOnlyDictionary<string, Tensor> state)
    {
        var loaded = new Tensor?[_momentum.Length];
        for (var k = 0; k < _momentum.Length; k++) loaded[k] = ReadState(state, k, "momentum_buffer");
        for (var k = 0; k < _momentum.Length; k++)
        {
            _momentum[k]?.Dispose();
            _momentum[k] = loaded[k];
        }
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var m in _momentum) m?.Dispose();
    }
}
