namespace AnomalyBench.Torch.Optim;

public sealed record SGDOptions(double lr = 1e-3, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false,
    bool maximize = false) : OptimizerOptions(lr);

/// <summary>
/// PyTorch's <c>torch.optim.SGD</c>, its single-tensor update:
/// g ← g + wd·p; with momentum b ← g on the first step, then b ← μ·b + (1−τ)·g; g ← g + μ·b (nesterov) or b; p ← p − lr·g.
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly Dictionary<Tensor, Tensor> _momentum = new(ReferenceEqualityComparer.Instance);

    public SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0, double weight_decay = 0,
        bool nesterov = false, bool maximize = false)
        : this([new ParamGroup(parameters)], new SGDOptions(lr, momentum, dampening, weight_decay, nesterov, maximize))
    {
    }

    public SGD(IEnumerable<ParamGroup> param_groups, SGDOptions defaults) : base(defaults) => AddGroups(param_groups);

    protected override void Validate(OptimizerOptions options)
    {
        base.Validate(options);
        var o = (SGDOptions)options;
        if (o.momentum < 0) throw new ArgumentOutOfRangeException(nameof(options), o.momentum, "Invalid momentum value");
        if (o.weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(options), o.weight_decay, "Invalid weight_decay value");
        if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
    }

    protected override void update(Tensor param, Tensor grad, OptimizerOptions options)
    {
        var o = (SGDOptions)options;
        var d_p = o.maximize ? grad.neg() : grad;
        if (o.weight_decay != 0) d_p = d_p.add(param, o.weight_decay);
        if (o.momentum != 0)
        {
            if (!_momentum.TryGetValue(param, out var buf))
            {
                buf = Keep(d_p.detach().clone());
                _momentum[param] = buf;
            }
            else
            {
                buf.mul_(o.momentum).add_(d_p, 1 - o.dampening);
            }
            d_p = o.nesterov ? d_p.add(buf, o.momentum) : buf;
        }
        param.add_(d_p, -o.lr);
    }

    protected override void DisposeState()
    {
        foreach (var b in _momentum.Values) b.Dispose();
        _momentum.Clear();
    }
}
