namespace AnomalyBench.Torch.Optim;

/// <summary>The hyper-parameters of one parameter group; each optimizer derives its own record with PyTorch's names and defaults.</summary>
public abstract record OptimizerOptions(double lr);

/// <summary>
/// PyTorch's parameter group: parameters that share hyper-parameters. Options left null take the
/// optimizer's defaults when the group is added; <paramref name="lr"/> overrides just the learning rate.
/// </summary>
public sealed class ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, OptimizerOptions? options = null)
{
    private OptimizerOptions? _options = options is null ? null : lr is { } l ? options with { lr = l } : options;

    internal double? LrOverride { get; } = lr;

    public IReadOnlyList<Tensor> @params { get; } = parameters.ToList();

    /// <summary>The group's hyper-parameters (its optimizer's options record).</summary>
    public OptimizerOptions options
    {
        get => _options ?? throw new InvalidOperationException("this parameter group has not been added to an optimizer yet");
        set => _options = value ?? throw new ArgumentNullException(nameof(value));
    }

    internal bool HasOptions => _options is not null;

    /// <summary>The current learning rate; schedulers set it.</summary>
    public double lr
    {
        get => options.lr;
        set => options = options with { lr = value };
    }

    /// <summary>The learning rate a scheduler started from (PyTorch's <c>group['initial_lr']</c>).</summary>
    public double? initial_lr { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.optim.Optimizer</c>. <see cref="step"/> runs under no_grad in its own dispose
/// scope and skips parameters without a gradient; state tensors (momentum, moments) belong to the
/// optimizer and are freed by <see cref="Dispose()"/>.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly HashSet<Tensor> _all = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    protected Optimizer(OptimizerOptions defaults)
    {
        this.defaults = defaults;
    }

    public OptimizerOptions defaults { get; }

    public IReadOnlyList<ParamGroup> param_groups => _groups;

    protected void AddGroups(IEnumerable<ParamGroup> groups)
    {
        foreach (var g in groups) add_param_group(g);
        if (_groups.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
    }

    /// <summary>Adds a group; options it does not set come from <see cref="defaults"/>. A parameter may be in one group only.</summary>
    public void add_param_group(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!group.HasOptions) group.options = group.LrOverride is { } lr ? defaults with { lr = lr } : defaults;
        if (group.options.GetType() != defaults.GetType())
            throw new ArgumentException($"{GetType().Name} needs {defaults.GetType().Name} options, the group has {group.options.GetType().Name}");
        Validate(group.options);
        foreach (var p in group.@params)
        {
            if (!_all.Add(p)) throw new ArgumentException("some parameters appear in more than one parameter group");
        }
        _groups.Add(group);
    }

    /// <summary>Throws on invalid hyper-parameters (PyTorch's ValueErrors).</summary>
    protected virtual void Validate(OptimizerOptions options)
    {
        if (options.lr < 0) throw new ArgumentOutOfRangeException(nameof(options), options.lr, "Invalid learning rate");
    }

    /// <summary>Drops (default, as PyTorch 2.x) or zeroes the gradients of every parameter.</summary>
    public void zero_grad(bool set_to_none = true) => Tensor.zero_grad(_groups.SelectMany(g => g.@params), set_to_none);

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var group in _groups)
        {
            foreach (var p in group.@params)
            {
                var grad = p.grad;
                if (grad is null) continue;
                update(p, grad, group.options);
            }
        }
    }

    /// <summary>Evaluates <paramref name="closure"/> (loss and backward, with grad enabled), then steps; returns the loss.</summary>
    public Tensor step(Func<Tensor> closure)
    {
        Tensor loss;
        using (torch.enable_grad()) loss = closure();
        step();
        return loss;
    }

    /// <summary>
    /// Updates one parameter in place from its gradient. Runs inside the step's dispose scope:
    /// temporaries need no disposal, state that must outlive the step leaves it with <see cref="Keep"/>.
    /// </summary>
    protected abstract void update(Tensor param, Tensor grad, OptimizerOptions options);

    protected static Tensor Keep(Tensor state) => state.DetachFromDisposeScope();

    /// <summary>Frees the per-parameter state.</summary>
    protected abstract void DisposeState();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeState();
        GC.SuppressFinalize(this);
    }
}
