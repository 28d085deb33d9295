using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>PyTorch's <c>nn.Identity</c>: returns a new reference to its input.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => input.alias();
}

/// <summary>PyTorch's <c>nn.Flatten</c>: flattens dimensions start_dim..end_dim (the batch dimension is kept by default).</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : Module<Tensor, Tensor>
{
    public long start_dim { get; } = start_dim;
    public long end_dim { get; } = end_dim;

    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);

    protected override string extra_repr() => $"start_dim={start_dim}, end_dim={end_dim}";
}

/// <summary>PyTorch's <c>nn.Dropout</c>: active in training mode only.</summary>
public sealed class Dropout(double p = 0.5) : Module<Tensor, Tensor>
{
    public double p { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability has to be between 0 and 1");

    public override Tensor forward(Tensor input) => functional.dropout(input, p, training);

    protected override string extra_repr() => $"p={Py(p)}";
}

/// <summary>PyTorch's <c>nn.Dropout2d</c>: zeroes whole channels, in training mode only.</summary>
public sealed class Dropout2d(double p = 0.5) : Module<Tensor, Tensor>
{
    public double p { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability has to be between 0 and 1");

    public override Tensor forward(Tensor input) => functional.dropout2d(input, p, training);

    protected override string extra_repr() => $"p={Py(p)}";
}

/// <summary>PyTorch's <c>nn.Upsample</c>, i.e. <see cref="functional.interpolate"/> as a module.</summary>
public sealed class Upsample : Module<Tensor, Tensor>
{
    private readonly long[]? _size;

    public Upsample(long[]? size = null, double? scale_factor = null, string mode = "nearest", bool? align_corners = null)
    {
        if ((size is null) == (scale_factor is null)) throw new ArgumentException("Upsample: give exactly one of size and scale_factor");
        _size = (long[]?)size?.Clone();
        this.scale_factor = scale_factor;
        this.mode = mode;
        this.align_corners = align_corners;
    }

    public IReadOnlyList<long>? size => _size;
    public double? scale_factor { get; }
    public string mode { get; }
    public bool? align_corners { get; }

    public override Tensor forward(Tensor input) => functional.interpolate(input, _size, scale_factor, mode, align_corners);

    protected override string extra_repr() =>
        (_size is null ? $"scale_factor={Py(scale_factor ?? 0)}" : $"size=({string.Join(", ", _size)})") + $", mode='{mode}'";
}
