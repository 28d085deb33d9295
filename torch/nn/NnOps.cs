using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch.Modules;

/// <summary>ATen calls the layers and initialisers need that the shared bridge files do not expose (kept here to leave those files to their owners).</summary>
internal static class NnOps
{
    private static readonly Op erfinv_ = new("aten::erfinv_");
    private static readonly Op conv_transpose2d_input = new("aten::conv_transpose2d", "input");
    private static readonly Op leaky_relu_ = new("aten::leaky_relu_");

    public static Tensor Erfinv_(Tensor x)
    {
        var c = new OpCall(erfinv_);
        c.Tensor(x).CallVoid();
        return x;
    }

    public static Tensor LeakyRelu_(Tensor x, double negative_slope)
    {
        var c = new OpCall(leaky_relu_);
        c.Tensor(x).Scalar(negative_slope).CallVoid();
        return x;
    }

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] output_padding, long groups, long[] dilation)
    {
        var c = new OpCall(conv_transpose2d_input);
        return c.Tensor(input).Tensor(weight).OptionalTensor(bias).Ints(stride).Ints(padding).Ints(output_padding).Int(groups).Ints(dilation).Call();
    }

    /// <summary>The Gauss error function of a double, computed by libtorch (.NET has none).</summary>
    public static double Erf(double x)
    {
        using var t = torch.tensor(x, ScalarType.Float64);
        using var e = t.erf();
        return e.item<double>();
    }
}
