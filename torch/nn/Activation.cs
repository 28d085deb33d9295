using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>PyTorch's <c>nn.ReLU</c>; with <see cref="inplace"/> the input is overwritten and a new reference to it returned.</summary>
public sealed class ReLU(bool inplace = false) : Module<Tensor, Tensor>
{
    public bool inplace { get; } = inplace;

    public override Tensor forward(Tensor input)
    {
        if (!inplace) return input.relu();
        input.relu_();
        return input.alias();
    }

    protected override string extra_repr() => inplace ? "inplace=True" : "";
}

/// <summary>PyTorch's <c>nn.LeakyReLU</c>.</summary>
public sealed class LeakyReLU(double negative_slope = 0.01, bool inplace = false) : Module<Tensor, Tensor>
{
    public double negative_slope { get; } = negative_slope;
    public bool inplace { get; } = inplace;

    public override Tensor forward(Tensor input)
    {
        if (!inplace) return functional.leaky_relu(input, negative_slope);
        functional.leaky_relu_(input, negative_slope);
        return input.alias();
    }

    protected override string extra_repr() => $"negative_slope={Py(negative_slope)}{(inplace ? ", inplace=True" : "")}";
}

/// <summary>PyTorch's <c>nn.GELU</c>; <see cref="approximate"/> is "none" (erf) or "tanh".</summary>
public sealed class GELU(string approximate = "none") : Module<Tensor, Tensor>
{
    public string approximate { get; } = approximate is "none" or "tanh"
        ? approximate
        : throw new ArgumentException($"approximate must be none or tanh, got '{approximate}'", nameof(approximate));

    public override Tensor forward(Tensor input) => functional.gelu(input, approximate);

    protected override string extra_repr() => approximate == "none" ? "" : $"approximate='{approximate}'";
}

/// <summary>PyTorch's <c>nn.SiLU</c> (swish).</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => functional.silu(input);
}

public sealed class Sigmoid : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => input.sigmoid();
}

public sealed class Tanh : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => input.tanh();
}

/// <summary>PyTorch's <c>nn.Softmax</c> along <see cref="dim"/>.</summary>
public sealed class Softmax(long dim) : Module<Tensor, Tensor>
{
    public long dim { get; } = dim;

    public override Tensor forward(Tensor input) => functional.softmax(input, dim);

    protected override string extra_repr() => $"dim={dim}";
}
