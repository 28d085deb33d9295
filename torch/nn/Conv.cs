using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>PyTorch's <c>_ConvNd</c> for two dimensions: hyper-parameters, parameters and their default initialisation.</summary>
public abstract class ConvNd : Module<Tensor, Tensor>
{
    private protected ConvNd(long in_channels, long out_channels, (long, long) kernel_size, (long, long) stride, (long, long) padding,
        (long, long) dilation, long groups, bool bias, string padding_mode, bool transposed, (long, long) output_padding,
        Device? device, ScalarType? dtype)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be a positive integer");
        if (in_channels % groups != 0) throw new ArgumentException($"in_channels ({in_channels}) must be divisible by groups ({groups})", nameof(in_channels));
        if (out_channels % groups != 0) throw new ArgumentException($"out_channels ({out_channels}) must be divisible by groups ({groups})", nameof(out_channels));
        if (padding_mode is not ("zeros" or "reflect" or "replicate"))
            throw new ArgumentException($"padding_mode must be zeros, reflect or replicate, got '{padding_mode}'", nameof(padding_mode));
        this.in_channels = in_channels;
        this.out_channels = out_channels;
        this.kernel_size = kernel_size;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.padding_mode = padding_mode;
        this.output_padding = output_padding;
        long[] shape = transposed
            ? [in_channels, out_channels / groups, kernel_size.Item1, kernel_size.Item2]
            : [out_channels, in_channels / groups, kernel_size.Item1, kernel_size.Item2];
        register_parameter("weight", torch.empty(shape, dtype, device));
        register_parameter("bias", bias ? torch.empty([out_channels], dtype, device) : null);
        reset_parameters();
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public (long, long) kernel_size { get; }
    public (long, long) stride { get; }
    public (long, long) padding { get; }
    public (long, long) dilation { get; }
    public (long, long) output_padding { get; }
    public long groups { get; }
    public string padding_mode { get; }

    public Tensor weight => GetParameterOrNull("weight") ?? throw new InvalidOperationException("weight was set to None");
    public Tensor? bias => GetParameterOrNull("bias");

    /// <summary>PyTorch's default: weight ~ kaiming_uniform_(a=√5), i.e. U(±1/√fan_in); bias ~ U(±1/√fan_in).</summary>
    public void reset_parameters() => init.reset_default_(weight, bias);

    private protected static long[] Pair((long, long) v) => [v.Item1, v.Item2];

    private protected static string Text((long, long) v) => $"({v.Item1}, {v.Item2})";

    protected override string extra_repr()
    {
        var s = $"{in_channels}, {out_channels}, kernel_size={Text(kernel_size)}, stride={Text(stride)}";
        if (padding != (0, 0)) s += $", padding={Text(padding)}";
        if (dilation != (1, 1)) s += $", dilation={Text(dilation)}";
        if (output_padding != (0, 0)) s += $", output_padding={Text(output_padding)}";
        if (groups != 1) s += $", groups={groups}";
        if (bias is null) s += ", bias=False";
        if (padding_mode != "zeros") s += $", padding_mode={padding_mode}";
        return s;
    }
}

/// <summary>PyTorch's <c>nn.Conv2d</c>: weight [out, in/groups, kH, kW], bias [out].</summary>
public sealed class Conv2d : ConvNd
{
    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1, long groups = 1,
        bool bias = true, string padding_mode = "zeros", Device? device = null, ScalarType? dtype = null)
        : this(in_channels, out_channels, (kernel_size, kernel_size), (stride, stride), (padding, padding), (dilation, dilation), groups, bias,
            padding_mode, device, dtype)
    {
    }

    public Conv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null,
        (long, long)? dilation = null, long groups = 1, bool bias = true, string padding_mode = "zeros", Device? device = null, ScalarType? dtype = null)
        : base(in_channels, out_channels, kernel_size, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), groups, bias, padding_mode,
            transposed: false, output_padding: (0, 0), device, dtype)
    {
    }

    public override Tensor forward(Tensor input)
    {
        if (padding_mode == "zeros")
            return functional.conv2d(input, weight, bias, Pair(stride), Pair(padding), Pair(dilation), groups);
        using var padded = functional.pad(input, [padding.Item2, padding.Item2, padding.Item1, padding.Item1], padding_mode == "reflect" ? "reflect" : "replicate");
        return functional.conv2d(padded, weight, bias, Pair(stride), [0, 0], Pair(dilation), groups);
    }
}

/// <summary>PyTorch's <c>nn.ConvTranspose2d</c>: weight [in, out/groups, kH, kW], bias [out].</summary>
public sealed class ConvTranspose2d : ConvNd
{
    public ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long output_padding = 0,
        long groups = 1, bool bias = true, long dilation = 1, Device? device = null, ScalarType? dtype = null)
        : this(in_channels, out_channels, (kernel_size, kernel_size), (stride, stride), (padding, padding), (output_padding, output_padding), groups,
            bias, (dilation, dilation), device, dtype)
    {
    }

    public ConvTranspose2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null,
        (long, long)? output_padding = null, long groups = 1, bool bias = true, (long, long)? dilation = null, Device? device = null, ScalarType? dtype = null)
        : base(in_channels, out_channels, kernel_size, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), groups, bias, "zeros",
            transposed: true, output_padding: output_padding ?? (0, 0), device, dtype)
    {
        var (op, s, d) = (this.output_padding, this.stride, this.dilation);
        if ((op.Item1 >= s.Item1 && op.Item1 >= d.Item1) || (op.Item2 >= s.Item2 && op.Item2 >= d.Item2))
            throw new ArgumentException($"output_padding {Text(op)} must be smaller than either stride {Text(s)} or dilation {Text(d)}", nameof(output_padding));
    }

    public override Tensor forward(Tensor input) =>
        functional.conv_transpose2d(input, weight, bias, Pair(stride), Pair(padding), Pair(output_padding), groups, Pair(dilation));
}
