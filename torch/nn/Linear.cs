using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Torch.Modules;

/// <summary>PyTorch's <c>nn.Linear</c>: y = x Wᵀ + b with weight [out_features, in_features].</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long in_features, long out_features, bool bias = true, Device? device = null, ScalarType? dtype = null)
    {
        this.in_features = in_features;
        this.out_features = out_features;
        register_parameter("weight", torch.empty([out_features, in_features], dtype, device));
        register_parameter("bias", bias ? torch.empty([out_features], dtype, device) : null);
        reset_parameters();
    }

    public long in_features { get; }
    public long out_features { get; }

    public Tensor weight => GetParameterOrNull("weight") ?? throw new InvalidOperationException("weight was set to None");
    public Tensor? bias => GetParameterOrNull("bias");

    /// <summary>PyTorch's default: weight ~ kaiming_uniform_(a=√5), i.e. U(±1/√in_features); bias ~ U(±1/√in_features).</summary>
    public void reset_parameters() => init.reset_default_(weight, bias);

    public override Tensor forward(Tensor input) => functional.linear(input, weight, bias);

    protected override string extra_repr() => $"in_features={in_features}, out_features={out_features}, bias={(bias is null ? "False" : "True")}";
}
