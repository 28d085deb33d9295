using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch;

internal static class TensorAssert
{
    /// <summary>Asserts shape and values (as float64) within an absolute tolerance.</summary>
    public static void Close(Tensor actual, double[] expected, long[] shape, double tolerance = 1e-5)
    {
        Assert.That(actual.shape, Is.EqualTo(shape), "shape");
        Assert.That(Values(actual), Is.EqualTo(expected).Within(tolerance), "values");
    }

    public static double[] Values(Tensor t)
    {
        using var d = t.to(Device.CPU, ScalarType.Float64);
        using var c = d.contiguous();
        return c.data<double>();
    }
}
