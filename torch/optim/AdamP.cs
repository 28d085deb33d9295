namespace AnomalyBench.Torch.Optim;

/// <summary>AdamP's hyper-parameters (clovaai/AdamP defaults): decoupled weight decay, the projection threshold δ and the decay ratio applied when it projects.</summary>
public sealed record AdamPOptions(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0,
    double delta = 0.1, double wd_ratio = 0.1, bool nesterov = false) : OptimizerOptions(lr);

/// <summary>
/// AdamP (Heo et al., "AdamP: Slowing Down the Slowdown for Momentum Optimizers on
/// Scale-invariant Weights", ICLR 2021), as clovaai/AdamP's <c>adamp.py</c> defines it: Adam's
/// moments and bias corrections; for weights with more than one dimension, when the gradient is
/// nearly orthogonal to the weight (|cos| &lt; δ/√dim, tested per output channel and then for the
/// whole layer) the weight is taken to be scale-invariant, the radial component of the update is
/// removed and the weight decay is scaled by <c>wd_ratio</c>; decoupled weight decay
/// <c>p ← p·(1 − lr·wd·wd_ratio)</c>. ReConPatch trains with it.
/// </summary>
public sealed class AdamP : Optimizer
{
    private readonly Dictionary<Tensor, AdamState> _state = new(ReferenceEqualityComparer.Instance);

    public AdamP(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 0, double delta = 0.1, double wd_ratio = 0.1, bool nesterov = false)
        : this([new ParamGroup(parameters)], new AdamPOptions(lr, beta1, beta2, eps, weight_decay, delta, wd_ratio, nesterov))
    {
    }

    public AdamP(IEnumerable<ParamGroup> param_groups, AdamPOptions defaults) : base(defaults) => AddGroups(param_groups);

    /// <summary>Whether the last step projected the update of <paramref name="param"/> (for tests and diagnostics).</summary>
    public bool LastStepProjected(Tensor param) => _projected.Contains(param);

    private readonly HashSet<Tensor> _projected = new(ReferenceEqualityComparer.Instance);

    protected override void Validate(OptimizerOptions options)
    {
        base.Validate(options);
        var o = (AdamPOptions)options;
        AdamUpdate.Validate(o.beta1, o.beta2, o.eps, o.weight_decay);
        if (o.delta < 0) throw new ArgumentOutOfRangeException(nameof(options), o.delta, "Invalid delta value");
        if (o.wd_ratio < 0) throw new ArgumentOutOfRangeException(nameof(options), o.wd_ratio, "Invalid wd_ratio value");
    }

    protected override void update(Tensor param, Tensor grad, OptimizerOptions options)
    {
        var o = (AdamPOptions)options;
        if (!_state.TryGetValue(param, out var s))
        {
            s = new AdamState { exp_avg = Keep(torch.zeros_like(param)), exp_avg_sq = Keep(torch.zeros_like(param)) };
            _state[param] = s;
        }
        s.step++;
        var bias_correction1 = 1 - Math.Pow(o.beta1, s.step);
        var bias_correction2 = 1 - Math.Pow(o.beta2, s.step);
        s.exp_avg.lerp_(grad, 1 - o.beta1);
        s.exp_avg_sq.mul_(o.beta2).addcmul_(grad, grad, 1 - o.beta2);
        var denom = s.exp_avg_sq.sqrt().div_(Math.Sqrt(bias_correction2)).add_(o.eps);
        var step_size = o.lr / bias_correction1;
        var perturb = o.nesterov ? s.exp_avg.mul(o.beta1).add(grad, 1 - o.beta1).div_(denom) : s.exp_avg.div(denom);

        var wd_ratio = 1.0;
        _projected.Remove(param);
        if (param.dim() > 1 && Projection(param, grad, perturb, o.delta, o.eps) is { } projected)
        {
            perturb = projected;
            wd_ratio = o.wd_ratio;
            _projected.Add(param);
        }
        if (o.weight_decay > 0) param.mul_(1 - o.lr * o.weight_decay * wd_ratio);
        param.add_(perturb, -step_size);
    }

    /// <summary>
    /// clovaai's <c>_projection</c>: per output channel, then for the whole layer, if every |cos(grad, p)|
    /// is below δ/√(view width), remove from the update its component along the normalised weight.
    /// Returns null when neither view finds the weight scale-invariant.
    /// </summary>
    private static Tensor? Projection(Tensor p, Tensor grad, Tensor perturb, double delta, double eps)
    {
        // clovaai reshapes the norms to [-1, 1, ...] for both views; the layer view's single norm broadcasts.
        var expand = new long[p.dim()];
        Array.Fill(expand, 1L);
        expand[0] = -1;
        foreach (var channelView in new[] { true, false })
        {
            Tensor View(Tensor x) => channelView ? x.reshape(x.size(0), -1) : x.reshape(1, -1);
            var pv = View(p);
            var cosine = torch.nn.functional.cosine_similarity(View(grad), pv, 1, eps).abs();
            if (cosine.max().item<double>() >= delta / Math.Sqrt(pv.size(1))) continue;
            var p_n = p.div(pv.norm(2, 1).view(expand).add(eps));
            return perturb.sub(p_n.mul(View(p_n.mul(perturb)).sum(1).view(expand)));
        }
        return null;
    }

    protected override void DisposeState() => AdamUpdate.Dispose(_state);
}
