namespace AnomalyBench.Torch.Optim;

/// <summary>
/// PyTorch's <c>torch.optim.lr_scheduler.LRScheduler</c>: construction records each group's
/// <c>initial_lr</c> and performs step 0; each <see cref="step"/> advances <see cref="last_epoch"/>
/// and writes the new learning rates into the optimizer's groups.
/// </summary>
public abstract class LRScheduler
{
    private double[] _lastLr = [];

    protected LRScheduler(Optimizer optimizer, int last_epoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        this.optimizer = optimizer;
        foreach (var (group, k) in optimizer.param_groups.Select((g, k) => (g, k)))
        {
            if (last_epoch == -1) group.initial_lr ??= group.lr;
            else if (group.initial_lr is null)
                throw new ArgumentException($"param 'initial_lr' is not specified in param_groups[{k}] when resuming an optimizer", nameof(last_epoch));
        }
        base_lrs = optimizer.param_groups.Select(g => g.initial_lr!.Value).ToArray();
        this.last_epoch = last_epoch;
    }

    public Optimizer optimizer { get; }

    public IReadOnlyList<double> base_lrs { get; }

    /// <summary>The index of the last step taken (0 right after construction).</summary>
    public int last_epoch { get; private set; }

    /// <summary>Derived constructors call this last, once their fields are set (PyTorch's <c>_initial_step</c>).</summary>
    protected void initial_step() => step();

    public void step()
    {
        last_epoch++;
        var lrs = get_lr();
        var groups = optimizer.param_groups;
        for (var k = 0; k < groups.Count; k++) groups[k].lr = lrs[k];
        _lastLr = lrs;
    }

    /// <summary>The learning rates the last <see cref="step"/> set, one per group.</summary>
    public IReadOnlyList<double> get_last_lr() => _lastLr;

    /// <summary>The learning rates for <see cref="last_epoch"/>, from the groups' current ones where PyTorch chains.</summary>
    protected abstract double[] get_lr();

    protected double[] GroupLrs() => optimizer.param_groups.Select(g => g.lr).ToArray();
}

/// <summary>PyTorch's <c>StepLR</c>: lr ← lr·gamma every <see cref="step_size"/> steps.</summary>
public sealed class StepLR : LRScheduler
{
    public StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1) : base(optimizer, last_epoch)
    {
        if (step_size <= 0) throw new ArgumentOutOfRangeException(nameof(step_size), step_size, "step_size must be positive");
        this.step_size = step_size;
        this.gamma = gamma;
        initial_step();
    }

    public int step_size { get; }
    public double gamma { get; }

    protected override double[] get_lr()
    {
        var lrs = GroupLrs();
        if (last_epoch == 0 || last_epoch % step_size != 0) return lrs;
        return lrs.Select(lr => lr * gamma).ToArray();
    }
}

/// <summary>PyTorch's <c>MultiStepLR</c>: lr ← lr·gamma at each milestone (a repeated milestone multiplies repeatedly).</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly Dictionary<int, int> _milestones;

    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int last_epoch = -1) : base(optimizer, last_epoch)
    {
        _milestones = milestones.GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
        this.gamma = gamma;
        initial_step();
    }

    public IReadOnlyCollection<int> milestones => _milestones.Keys.Order().ToArray();
    public double gamma { get; }

    protected override double[] get_lr()
    {
        var lrs = GroupLrs();
        if (!_milestones.TryGetValue(last_epoch, out var count)) return lrs;
        var factor = Math.Pow(gamma, count);
        return lrs.Select(lr => lr * factor).ToArray();
    }
}

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> in its closed form:
/// lr = eta_min + (base_lr − eta_min)·(1 + cos(π·t/T_max))/2, t = <see cref="LRScheduler.last_epoch"/>.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    public CosineAnnealingLR(Optimizer optimizer, int T_max, double eta_min = 0, int last_epoch = -1) : base(optimizer, last_epoch)
    {
        if (T_max <= 0) throw new ArgumentOutOfRangeException(nameof(T_max), T_max, "T_max must be positive");
        this.T_max = T_max;
        this.eta_min = eta_min;
        initial_step();
    }

    public int T_max { get; }
    public double eta_min { get; }

    protected override double[] get_lr()
    {
        // Step 0 keeps the groups' rates exactly, as PyTorch does.
        if (last_epoch == 0) return GroupLrs();
        return base_lrs.Select(b => eta_min + (b - eta_min) * (1 + Math.Cos(Math.PI * last_epoch / T_max)) / 2).ToArray();
    }
}
