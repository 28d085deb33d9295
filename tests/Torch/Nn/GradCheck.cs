using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Nn;

/// <summary>
/// Finite-difference gradient checks in float64: autograd's gradient of L = Σ f(x)·w (w fixed and
/// random, so every output element matters) against central differences (L(x+h) − L(x−h))/2h at a
/// few random elements of each input.
/// </summary>
internal static class GradCheck
{
    public static void Check(string what, Func<Tensor[], Tensor> f, Tensor[] inputs, int probes = 6, double h = 1e-6, double atol = 1e-6,
        double rtol = 1e-5, int seed = 1)
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(seed);
        var values = inputs.Select(x => x.to(ScalarType.Float64).data<double>()).ToArray();
        var shapes = inputs.Select(x => x.shape).ToArray();
        var leaves = values.Select((v, i) => torch.from_array(v, shapes[i]).requires_grad_()).ToArray();
        var output = f(leaves);
        var weights = torch.from_array(Enumerable.Range(0, (int)output.numel()).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), output.shape);
        output.mul(weights).sum().backward();

        double Loss(int input, int element, double delta)
        {
            using var inner = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var xs = values.Select((v, i) =>
            {
                if (i != input) return torch.from_array(v, shapes[i]);
                var copy = (double[])v.Clone();
                copy[element] += delta;
                return torch.from_array(copy, shapes[i]);
            }).ToArray();
            return f(xs).mul(weights).sum().item<double>();
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            var analytic = leaves[i].grad?.data<double>() ?? throw new AssertionException($"{what}: input {i} got no gradient");
            for (var k = 0; k < probes; k++)
            {
                var e = rng.Next(values[i].Length);
                var numeric = (Loss(i, e, h) - Loss(i, e, -h)) / (2 * h);
                Assert.That(analytic[e], Is.EqualTo(numeric).Within(atol + rtol * Math.Abs(numeric)),
                    $"{what}: d/d input{i}[{e}] autograd {analytic[e]:G10} vs finite difference {numeric:G10}");
            }
        }
    }

    /// <summary>A float64 tensor of standard normal samples from <paramref name="rng"/> (independent of libtorch's generator).</summary>
    public static Tensor Randn(Random rng, params long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var v = new double[n];
        for (var k = 0; k < n; k++) v[k] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return torch.from_array(v, shape);
    }

    public static Tensor Uniform(Random rng, double lo, double hi, params long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var v = new double[n];
        for (var k = 0; k < n; k++) v[k] = lo + (hi - lo) * rng.NextDouble();
        return torch.from_array(v, shape);
    }
}
