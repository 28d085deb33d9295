using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>
/// PyTorch's <c>_BatchNorm</c>: parameters weight and bias (when affine), buffers running_mean,
/// running_var and num_batches_tracked (int64, +1 per training forward) when tracking running
/// statistics. A null momentum gives the cumulative moving average (factor 1/num_batches_tracked).
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    private protected BatchNorm(long num_features, double eps, double? momentum, bool affine, bool track_running_stats, Device? device, ScalarType? dtype)
    {
        this.num_features = num_features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.track_running_stats = track_running_stats;
        register_parameter("weight", affine ? torch.empty([num_features], dtype, device) : null);
        register_parameter("bias", affine ? torch.empty([num_features], dtype, device) : null);
        register_buffer("running_mean", track_running_stats ? torch.zeros([num_features], dtype, device) : null);
        register_buffer("running_var", track_running_stats ? torch.ones([num_features], dtype, device) : null);
        register_buffer("num_batches_tracked", track_running_stats ? torch.zeros([], ScalarType.Int64, device) : null);
        reset_parameters();
    }

    public long num_features { get; }
    public double eps { get; }
    public double? momentum { get; }
    public bool affine { get; }
    public bool track_running_stats { get; }

    public Tensor? weight => GetParameterOrNull("weight");
    public Tensor? bias => GetParameterOrNull("bias");
    public Tensor? running_mean => GetBufferOrNull("running_mean");
    public Tensor? running_var => GetBufferOrNull("running_var");
    public Tensor? num_batches_tracked => GetBufferOrNull("num_batches_tracked");

    public void reset_running_stats()
    {
        using var noGrad = torch.no_grad();
        running_mean?.zero_();
        running_var?.fill_(1);
        num_batches_tracked?.zero_();
    }

    public void reset_parameters()
    {
        reset_running_stats();
        if (weight is { } w) init.ones_(w);
        if (bias is { } b) init.zeros_(b);
    }

    /// <summary>Throws when the input's rank does not suit this layer.</summary>
    protected abstract void check_input_dim(Tensor input);

    protected override bool IsOptionalStateKey(string name) => name == "num_batches_tracked";

    public override Tensor forward(Tensor input)
    {
        check_input_dim(input);
        var factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } tracked)
        {
            using (torch.no_grad()) tracked.add_(1);
            if (momentum is null) factor = 1.0 / tracked.item<long>();
        }
        // In training, or when there are no running statistics, normalise with the batch's own.
        var useBatchStats = training || (running_mean is null && running_var is null);
        var useRunning = !training || track_running_stats;
        return functional.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias,
            useBatchStats, factor, eps);
    }

    protected override string extra_repr() =>
        $"{num_features}, eps={Py(eps)}, momentum={(momentum is { } m ? Py(m) : "None")}, affine={(affine ? "True" : "False")}, track_running_stats={(track_running_stats ? "True" : "False")}";
}

/// <summary>PyTorch's <c>nn.BatchNorm1d</c> over [N,C] or [N,C,L].</summary>
public sealed class BatchNorm1d : BatchNorm
{
    public BatchNorm1d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true,
        Device? device = null, ScalarType? dtype = null)
        : base(num_features, eps, momentum, affine, track_running_stats, device, dtype)
    {
    }

    protected override void check_input_dim(Tensor input)
    {
        var d = input.dim();
        if (d != 2 && d != 3) throw new ArgumentException($"expected 2D or 3D input (got {d}D input)", nameof(input));
    }
}

/// <summary>PyTorch's <c>nn.BatchNorm2d</c> over [N,C,H,W].</summary>
public sealed class BatchNorm2d : BatchNorm
{
    public BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true,
        Device? device = null, ScalarType? dtype = null)
        : base(num_features, eps, momentum, affine, track_running_stats, device, dtype)
    {
    }

    protected override void check_input_dim(Tensor input)
    {
        var d = input.dim();
        if (d != 4) throw new ArgumentException($"expected 4D input (got {d}D input)", nameof(input));
    }
}

/// <summary>PyTorch's <c>nn.LayerNorm</c> over the trailing <see cref="normalized_shape"/> dimensions.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly long[] _normalizedShape;

    public LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true, Device? device = null, ScalarType? dtype = null)
    {
        _normalizedShape = (long[])normalized_shape.Clone();
        this.eps = eps;
        this.elementwise_affine = elementwise_affine;
        register_parameter("weight", elementwise_affine ? torch.ones(_normalizedShape, dtype, device) : null);
        register_parameter("bias", elementwise_affine && bias ? torch.zeros(_normalizedShape, dtype, device) : null);
    }

    public LayerNorm(long normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true, Device? device = null, ScalarType? dtype = null)
        : this([normalized_shape], eps, elementwise_affine, bias, device, dtype)
    {
    }

    public IReadOnlyList<long> normalized_shape => _normalizedShape;
    public double eps { get; }
    public bool elementwise_affine { get; }

    public Tensor? weight => GetParameterOrNull("weight");
    public Tensor? bias => GetParameterOrNull("bias");

    public override Tensor forward(Tensor input) => functional.layer_norm(input, _normalizedShape, weight, bias, eps);

    protected override string extra_repr() => $"({string.Join(", ", _normalizedShape)},), eps={Py(eps)}, elementwise_affine={(elementwise_affine ? "True" : "False")}";
}
