using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;
using Init = AnomalyBench.Torch.torch.nn.init;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnInitTests
{
    private static (double mean, double std, double maxAbs) Stats(Tensor t)
    {
        using var d = t.to(ScalarType.Float64);
        var v = d.data<double>();
        var mean = v.Average();
        return (mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)), v.Max(Math.Abs));
    }

    [Test]
    public void FansAndGains()
    {
        using var conv = torch.empty([8, 4, 3, 3]);
        Assert.That(Init.calculate_fan_in_and_fan_out(conv), Is.EqualTo((36L, 72L)));
        using var lin = torch.empty([5, 7]);
        Assert.That(Init.calculate_fan_in_and_fan_out(lin), Is.EqualTo((7L, 5L)));
        using var vec = torch.empty([5]);
        Assert.Throws<ArgumentException>(() => Init.calculate_fan_in_and_fan_out(vec));
        Assert.That(Init.calculate_gain("relu"), Is.EqualTo(Math.Sqrt(2)));
        Assert.That(Init.calculate_gain("tanh"), Is.EqualTo(5.0 / 3));
        Assert.That(Init.calculate_gain("linear"), Is.EqualTo(1));
        Assert.That(Init.calculate_gain("leaky_relu"), Is.EqualTo(Math.Sqrt(2 / (1 + 0.01 * 0.01))));
        Assert.That(Init.calculate_gain("leaky_relu", Math.Sqrt(5)), Is.EqualTo(Math.Sqrt(1.0 / 3)).Within(1e-15));
    }

    [Test]
    public void DefaultLayerInitialisationIsPyTorchs()
    {
        torch.manual_seed(0);
        using var conv = new Conv2d(16, 32, 3);
        var bound = 1 / Math.Sqrt(16 * 9);
        var (_, wStd, wMax) = Stats(conv.weight);
        Assert.That(wMax, Is.LessThanOrEqualTo(bound).And.GreaterThan(0.95 * bound));
        Assert.That(wStd, Is.EqualTo(bound / Math.Sqrt(3)).Within(5).Percent, "uniform(±b) has std b/√3");
        Assert.That(Stats(conv.bias!).maxAbs, Is.LessThanOrEqualTo(bound).And.GreaterThan(0.8 * bound));

        using var deconv = new ConvTranspose2d(4, 8, 3);
        var deconvBound = 1 / Math.Sqrt(8 * 9);
        Assert.That(Stats(deconv.weight).maxAbs, Is.LessThanOrEqualTo(deconvBound).And.GreaterThan(0.9 * deconvBound), "fan_in = size(1)·k² = out·k²");

        using var lin = new Linear(64, 128);
        Assert.That(Stats(lin.weight).maxAbs, Is.LessThanOrEqualTo(1 / 8.0).And.GreaterThan(0.95 / 8));
        Assert.That(Stats(lin.bias!).maxAbs, Is.LessThanOrEqualTo(1 / 8.0));

        using var bn = new BatchNorm2d(5);
        Assert.That(bn.weight!.data<float>(), Is.All.EqualTo(1f));
        Assert.That(bn.bias!.data<float>(), Is.All.EqualTo(0f));
        Assert.That(bn.running_mean!.data<float>(), Is.All.EqualTo(0f));
        Assert.That(bn.running_var!.data<float>(), Is.All.EqualTo(1f));
        Assert.That(bn.num_batches_tracked!.item<long>(), Is.EqualTo(0));
        Assert.That(conv.weight.requires_grad && bn.weight.requires_grad, Is.True);
        Assert.That(bn.running_mean.requires_grad, Is.False);
    }

    [Test]
    public void InitialiserStatistics()
    {
        torch.manual_seed(1);
        using var w = torch.empty([256, 128, 3, 3]);
        var fanIn = 128 * 9;
        var fanOut = 256 * 9;

        Init.kaiming_normal_(w, mode: "fan_in", nonlinearity: "relu");
        var (mean, std, _) = Stats(w);
        Assert.That(std, Is.EqualTo(Math.Sqrt(2) / Math.Sqrt(fanIn)).Within(2).Percent);
        Assert.That(mean, Is.EqualTo(0).Within(0.01 * std));

        Init.kaiming_normal_(w, mode: "fan_out", nonlinearity: "relu");
        Assert.That(Stats(w).std, Is.EqualTo(Math.Sqrt(2) / Math.Sqrt(fanOut)).Within(2).Percent);

        Init.kaiming_uniform_(w, nonlinearity: "relu");
        var kb = Math.Sqrt(3) * Math.Sqrt(2) / Math.Sqrt(fanIn);
        Assert.That(Stats(w).maxAbs, Is.LessThanOrEqualTo(kb).And.GreaterThan(0.99 * kb));

        Init.xavier_uniform_(w, gain: 2);
        var xb = 2 * Math.Sqrt(6.0 / (fanIn + fanOut));
        Assert.That(Stats(w).maxAbs, Is.LessThanOrEqualTo(xb).And.GreaterThan(0.99 * xb));

        Init.xavier_normal_(w);
        Assert.That(Stats(w).std, Is.EqualTo(Math.Sqrt(2.0 / (fanIn + fanOut))).Within(2).Percent);

        Init.normal_(w, 3, 0.5);
        (mean, std, _) = Stats(w);
        Assert.That(mean, Is.EqualTo(3).Within(0.01));
        Assert.That(std, Is.EqualTo(0.5).Within(1).Percent);

        Init.uniform_(w, -2, 1);
        using (var lo = w.min()) Assert.That(lo.item<float>(), Is.GreaterThanOrEqualTo(-2f));
        using (var hi = w.max()) Assert.That(hi.item<float>(), Is.LessThan(1f));

        // N(0, 1) truncated to [-2, 2] has std 0.8796.
        Init.trunc_normal_(w);
        (mean, std, var maxAbs) = Stats(w);
        Assert.That(maxAbs, Is.LessThanOrEqualTo(2));
        Assert.That(std, Is.EqualTo(0.8796).Within(1).Percent);
        Init.trunc_normal_(w, mean: 1, std: 0.02, a: 0.98, b: 1.5);
        using (var lo = w.min()) Assert.That(lo.item<float>(), Is.GreaterThanOrEqualTo(0.98f));

        Init.constant_(w, 0.25);
        Assert.That(Stats(w).mean, Is.EqualTo(0.25));
        Init.zeros_(w);
        Assert.That(Stats(w).maxAbs, Is.EqualTo(0));
        Init.ones_(w);
        Assert.That(Stats(w).mean, Is.EqualTo(1));
    }

    [Test]
    public void InitialisersWorkOnParametersThatRequireGrad()
    {
        using var p = torch.zeros(4, 4).requires_grad_();
        Init.kaiming_uniform_(p);
        Init.trunc_normal_(p, std: 0.02);
        Assert.That(p.requires_grad, Is.True);
        using var g = p.grad;
        Assert.That(g, Is.Null);
    }
}
