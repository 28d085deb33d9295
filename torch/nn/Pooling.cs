using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>PyTorch's <c>nn.MaxPool2d</c> (square windows); stride defaults to kernel_size.</summary>
public sealed class MaxPool2d(long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) : Module<Tensor, Tensor>
{
    public long kernel_size { get; } = kernel_size;
    public long stride { get; } = stride ?? kernel_size;
    public long padding { get; } = padding;
    public long dilation { get; } = dilation;
    public bool ceil_mode { get; } = ceil_mode;

    public override Tensor forward(Tensor input) => functional.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);

    protected override string extra_repr() =>
        $"kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, ceil_mode={(ceil_mode ? "True" : "False")}";
}

/// <summary>PyTorch's <c>nn.AvgPool2d</c> (square windows); stride defaults to kernel_size.</summary>
public sealed class AvgPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true,
    long? divisor_override = null) : Module<Tensor, Tensor>
{
    public long kernel_size { get; } = kernel_size;
    public long stride { get; } = stride ?? kernel_size;
    public long padding { get; } = padding;
    public bool ceil_mode { get; } = ceil_mode;
    public bool count_include_pad { get; } = count_include_pad;
    public long? divisor_override { get; } = divisor_override;

    public override Tensor forward(Tensor input) =>
        functional.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);

    protected override string extra_repr() => $"kernel_size={kernel_size}, stride={stride}, padding={padding}";
}

/// <summary>PyTorch's <c>nn.AdaptiveAvgPool2d</c>: average pooling to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d : Module<Tensor, Tensor>
{
    public AdaptiveAvgPool2d((long, long) output_size) => this.output_size = output_size;

    public AdaptiveAvgPool2d(long output_size) : this((output_size, output_size))
    {
    }

    public (long, long) output_size { get; }

    public override Tensor forward(Tensor input) => functional.adaptive_avg_pool2d(input, [output_size.Item1, output_size.Item2]);

    protected override string extra_repr() => $"output_size=({output_size.Item1}, {output_size.Item2})";
}
