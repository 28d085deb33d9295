using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>A scalar loss as a double for the training log (detached, on the host).</summary>
internal static class LossValue
{
    public static double Of(Tensor scalar)
    {
        using var d = scalar.detach();
        using var f = d.to(ScalarType.Float64);
        return f.item<double>();
    }
}
