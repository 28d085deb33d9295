namespace AnomalyBench.Torch.Optim;

/// <summary>Adam's hyper-parameters; beta1 and beta2 are PyTorch's <c>betas</c>, weight_decay is an L2 term added to the gradient.</summary>
public sealed record AdamOptions(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0,
    bool amsgrad = false, bool maximize = false) : OptimizerOptions(lr);

/// <summary>AdamW's hyper-parameters; weight_decay is decoupled (p ← p·(1 − lr·wd)) and defaults to 0.01.</summary>
public sealed record AdamWOptions(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 1e-2,
    bool amsgrad = false, bool maximize = false) : OptimizerOptions(lr);

/// <summary>The moments of one parameter.</summary>
internal sealed class AdamState : IDisposable
{
    public long step;
    public required Tensor exp_avg;
    public required Tensor exp_avg_sq;
    public Tensor? max_exp_avg_sq;

    public void Dispose()
    {
        exp_avg.Dispose();
        exp_avg_sq.Dispose();
        max_exp_avg_sq?.Dispose();
    }
}

/// <summary>The update shared by Adam and AdamW: PyTorch's <c>_single_tensor_adam</c>/<c>_single_tensor_adamw</c>, op for op.</summary>
internal static class AdamUpdate
{
    public static void Apply(Dictionary<Tensor, AdamState> states, Tensor param, Tensor grad, double lr, double beta1, double beta2, double eps,
        double l2, double decoupled, bool amsgrad, bool maximize)
    {
        if (maximize) grad = grad.neg();
        if (!states.TryGetValue(param, out var s))
        {
            s = new AdamState
            {
                exp_avg = torch.zeros_like(param).DetachFromDisposeScope(),
                exp_avg_sq = torch.zeros_like(param).DetachFromDisposeScope(),
                max_exp_avg_sq = amsgrad ? torch.zeros_like(param).DetachFromDisposeScope() : null,
            };
            states[param] = s;
        }
        s.step++;
        if (decoupled != 0) param.mul_(1 - lr * decoupled);
        if (l2 != 0) grad = grad.add(param, l2);
        s.exp_avg.lerp_(grad, 1 - beta1);
        s.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
        var bias_correction1 = 1 - Math.Pow(beta1, s.step);
        var bias_correction2 = 1 - Math.Pow(beta2, s.step);
        var step_size = lr / bias_correction1;
        var bias_correction2_sqrt = Math.Sqrt(bias_correction2);
        Tensor denom;
        if (amsgrad)
        {
            // The state was created without amsgrad if the option was switched on later.
            s.max_exp_avg_sq ??= torch.zeros_like(param).DetachFromDisposeScope();
            using (var m = s.max_exp_avg_sq.maximum(s.exp_avg_sq)) s.max_exp_avg_sq.copy_(m);
            denom = s.max_exp_avg_sq.sqrt().div_(bias_correction2_sqrt).add_(eps);
        }
        else
        {
            denom = s.exp_avg_sq.sqrt().div_(bias_correction2_sqrt).add_(eps);
        }
        param.addcdiv_(s.exp_avg, denom, -step_size);
    }

    public static void Validate(double beta1, double beta2, double eps, double weight_decay)
    {
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "Invalid epsilon value");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Invalid beta parameter at index 0");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Invalid beta parameter at index 1");
        if (weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(weight_decay), weight_decay, "Invalid weight_decay value");
    }

    public static void Dispose(Dictionary<Tensor, AdamState> states)
    {
        foreach (var s in states.Values) s.Dispose();
        states.Clear();
    }
}

/// <summary>PyTorch's <c>torch.optim.Adam</c> (Kingma and Ba, 2015), with L2 weight decay on the gradient and optional AMSGrad.</summary>
public sealed class Adam : Optimizer
{
    private readonly Dictionary<Tensor, AdamState> _state = new(ReferenceEqualityComparer.Instance);

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 0, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], new AdamOptions(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize))
    {
    }

    public Adam(IEnumerable<ParamGroup> param_groups, AdamOptions defaults) : base(defaults) => AddGroups(param_groups);

    protected override void Validate(OptimizerOptions options)
    {
        base.Validate(options);
        var o = (AdamOptions)options;
        AdamUpdate.Validate(o.beta1, o.beta2, o.eps, o.weight_decay);
    }

    protected override void update(Tensor param, Tensor grad, OptimizerOptions options)
    {
        var o = (AdamOptions)options;
        AdamUpdate.Apply(_state, param, grad, o.lr, o.beta1, o.beta2, o.eps, l2: o.weight_decay, decoupled: 0, o.amsgrad, o.maximize);
    }

    protected override void DisposeState() => AdamUpdate.Dispose(_state);
}

/// <summary>PyTorch's <c>torch.optim.AdamW</c> (Loshchilov and Hutter, 2019): p ← p·(1 − lr·wd) before the Adam step.</summary>
public sealed class AdamW : Optimizer
{
    private readonly Dictionary<Tensor, AdamState> _state = new(ReferenceEqualityComparer.Instance);

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], new AdamWOptions(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize))
    {
    }

    public AdamW(IEnumerable<ParamGroup> param_groups, AdamWOptions defaults) : base(defaults) => AddGroups(param_groups);

    protected override void Validate(OptimizerOptions options)
    {
        base.Validate(options);
        var o = (AdamWOptions)options;
        AdamUpdate.Validate(o.beta1, o.beta2, o.eps, o.weight_decay);
    }

    protected override void update(Tensor param, Tensor grad, OptimizerOptions options)
    {
        var o = (AdamWOptions)options;
        AdamUpdate.Apply(_state, param, grad, o.lr, o.beta1, o.beta2, o.eps, l2: 0, decoupled: o.weight_decay, o.amsgrad, o.maximize);
    }

    protected override void DisposeState() => AdamUpdate.Dispose(_state);
}
