using AnomalyBench.Torch;
using AnomalyBench.Torch.Optim;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnOptimTests
{
    private static readonly double[] s_p0 = [1.0, -2.0, 0.5];

    /// <summary>The gradient fed at step t (0-based), varied so that momentum and moments matter.</summary>
    private static double[] Grad(int t) => [Math.Sin(t + 1), Math.Cos(2 * t) - 0.3, 0.1 * t - 0.2];

    /// <summary>Runs <paramref name="steps"/> optimizer steps on a float64 parameter with the gradients of <see cref="Grad"/>.</summary>
    private static double[][] Run(Func<Tensor, Optimizer> make, int steps)
    {
        using var p = torch.from_array((double[])s_p0.Clone()).requires_grad_();
        using var opt = make(p);
        var trace = new double[steps][];
        for (var t = 0; t < steps; t++)
        {
            using (var g = torch.from_array(Grad(t))) p.grad = g;
            opt.step();
            trace[t] = p.data<double>();
        }
        return trace;
    }

    private static void AssertTrace(double[][] actual, double[][] expected)
    {
        for (var t = 0; t < expected.Length; t++)
        {
            for (var i = 0; i < expected[t].Length; i++)
                Assert.That(actual[t][i], Is.EqualTo(expected[t][i]).Within(1e-14 + 1e-13 * Math.Abs(expected[t][i])), $"step {t + 1}, element {i}");
        }
    }

    private static double[][] SgdReference(double lr, double momentum, double dampening, double wd, bool nesterov, int steps)
    {
        var p = (double[])s_p0.Clone();
        double[]? buf = null;
        var trace = new double[steps][];
        for (var t = 0; t < steps; t++)
        {
            var g = Grad(t);
            for (var i = 0; i < p.Length; i++) g[i] += wd * p[i];
            if (momentum != 0)
            {
                if (buf is null) buf = (double[])g.Clone();
                else for (var i = 0; i < p.Length; i++) buf[i] = momentum * buf[i] + (1 - dampening) * g[i];
                for (var i = 0; i < p.Length; i++) g[i] = nesterov ? g[i] + momentum * buf[i] : buf[i];
            }
            for (var i = 0; i < p.Length; i++) p[i] -= lr * g[i];
            trace[t] = (double[])p.Clone();
        }
        return trace;
    }

    private static double[][] AdamReference(double lr, double b1, double b2, double eps, double wd, bool decoupled, bool amsgrad, int steps)
    {
        var p = (double[])s_p0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var vmax = new double[p.Length];
        var trace = new double[steps][];
        for (var t = 1; t <= steps; t++)
        {
            var g = Grad(t - 1);
            for (var i = 0; i < p.Length; i++)
            {
                if (decoupled) p[i] *= 1 - lr * wd;
                else g[i] += wd * p[i];
                m[i] += (1 - b1) * (g[i] - m[i]);
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                vmax[i] = Math.Max(vmax[i], v[i]);
                var bc1 = 1 - Math.Pow(b1, t);
                var bc2 = 1 - Math.Pow(b2, t);
                var denom = Math.Sqrt(amsgrad ? vmax[i] : v[i]) / Math.Sqrt(bc2) + eps;
                p[i] -= lr / bc1 * m[i] / denom;
            }
            trace[t - 1] = (double[])p.Clone();
        }
        return trace;
    }

    [TestCase(0.1, 0.0, 0.0, 0.0, false)]
    [TestCase(0.1, 0.9, 0.0, 0.0, false)]
    [TestCase(0.05, 0.9, 0.0, 0.01, true)]
    [TestCase(0.05, 0.8, 0.3, 0.1, false)]
    public void SgdMatchesPyTorchUpdate(double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var actual = Run(p => new SGD([p], lr, momentum, dampening, wd, nesterov), 5);
        AssertTrace(actual, SgdReference(lr, momentum, dampening, wd, nesterov, 5));
    }

    [TestCase(0.0, false)]
    [TestCase(0.1, false)]
    [TestCase(0.0, true)]
    [TestCase(0.05, true)]
    public void AdamMatchesPyTorchUpdate(double wd, bool amsgrad)
    {
        var actual = Run(p => new Adam([p], lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: wd, amsgrad: amsgrad), 6);
        AssertTrace(actual, AdamReference(0.01, 0.8, 0.95, 1e-6, wd, decoupled: false, amsgrad, 6));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AdamWMatchesPyTorchUpdate(bool amsgrad)
    {
        var actual = Run(p => new AdamW([p], lr: 0.01, weight_decay: 0.5, amsgrad: amsgrad), 6);
        AssertTrace(actual, AdamReference(0.01, 0.9, 0.999, 1e-8, 0.5, decoupled: true, amsgrad, 6));
        Assert.That(new AdamWOptions().weight_decay, Is.EqualTo(0.01));
    }

    [Test]
    public void ParamGroupsSkipMissingGradientsAndZeroGradDropsThem()
    {
        using var a = torch.ones(2).requires_grad_();
        using var b = torch.ones(2).requires_grad_();
        using var c = torch.ones(2).requires_grad_();
        using var opt = new SGD([new ParamGroup([a]), new ParamGroup([b], lr: 0.5), new ParamGroup([c])], new SGDOptions(lr: 0.1, momentum: 0.9));
        Assert.That(opt.param_groups.Select(g => g.lr), Is.EqualTo(new[] { 0.1, 0.5, 0.1 }));
        Assert.That(((SGDOptions)opt.param_groups[1].options).momentum, Is.EqualTo(0.9));
        using (var s = torch.NewDisposeScope()) (a.sum() + b.sum()).backward();
        using (var s = torch.NewDisposeScope()) opt.step();
        Assert.That(a.data<float>(), Is.All.EqualTo(0.9f));
        Assert.That(b.data<float>(), Is.All.EqualTo(0.5f));
        Assert.That(c.data<float>(), Is.All.EqualTo(1f), "no gradient, no update");
        // Momentum buffers survived the step's dispose scope.
        using (var s = torch.NewDisposeScope()) opt.step();
        Assert.That(a.data<float>()[0], Is.EqualTo(0.9f - 0.1f * 1.9f).Within(1e-6));
        opt.zero_grad();
        using (var g = a.grad) Assert.That(g, Is.Null);
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([a]), new ParamGroup([a])], new SGDOptions()));
        Assert.Throws<ArgumentException>(() => new SGD([a], lr: 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Adam([new ParamGroup([a], options: new SGDOptions())], new AdamOptions()));
    }

    private static double[] Schedule(Func<Optimizer, LRScheduler> make, double lr, int steps)
    {
        using var p = torch.zeros(1).requires_grad_();
        using var opt = new SGD([p], lr);
        var sched = make(opt);
        var lrs = new List<double> { sched.get_last_lr()[0] };
        for (var k = 0; k < steps; k++)
        {
            opt.step();
            sched.step();
            lrs.Add(sched.get_last_lr()[0]);
            Assert.That(opt.param_groups[0].lr, Is.EqualTo(lrs[^1]));
        }
        return [.. lrs];
    }

    [Test]
    public void StepLRGivesPyTorchValues()
    {
        var lrs = Schedule(o => new StepLR(o, step_size: 3, gamma: 0.5), 0.1, 9);
        Assert.That(lrs, Is.EqualTo(new[] { 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125 }).Within(1e-17));
    }

    [Test]
    public void MultiStepLRGivesPyTorchValues()
    {
        var lrs = Schedule(o => new MultiStepLR(o, [2, 5, 5], gamma: 0.1), 1.0, 6);
        Assert.That(lrs, Is.EqualTo(new[] { 1.0, 1.0, 0.1, 0.1, 0.1, 0.001, 0.001 }).Within(1e-15));
    }

    [Test]
    public void CosineAnnealingLRGivesPyTorchValues()
    {
        var lrs = Schedule(o => new CosineAnnealingLR(o, T_max: 10, eta_min: 0.001), 0.1, 12);
        for (var t = 0; t < lrs.Length; t++)
            Assert.That(lrs[t], Is.EqualTo(0.001 + (0.1 - 0.001) * (1 + Math.Cos(Math.PI * t / 10)) / 2).Within(1e-16), $"t={t}");
        Assert.That(lrs[10], Is.EqualTo(0.001).Within(1e-16));
        Assert.That(lrs[5], Is.EqualTo(0.0505).Within(1e-16));
    }

    [Test]
    public void SchedulerRecordsInitialLrPerGroup()
    {
        using var a = torch.zeros(1).requires_grad_();
        using var b = torch.zeros(1).requires_grad_();
        using var opt = new Adam([new ParamGroup([a], lr: 1.0), new ParamGroup([b], lr: 0.1)], new AdamOptions());
        var sched = torch.optim.lr_scheduler.StepLR(opt, 1, 0.5);
        sched.step();
        Assert.That(sched.get_last_lr(), Is.EqualTo(new[] { 0.5, 0.05 }));
        Assert.That(opt.param_groups.Select(g => g.initial_lr), Is.EqualTo(new double?[] { 1.0, 0.1 }));
        Assert.That(sched.base_lrs, Is.EqualTo(new[] { 1.0, 0.1 }));
    }
}
