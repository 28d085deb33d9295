using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using NUnit.Framework;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Torch.Nn;

[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class NnTrainingTests(Device device)
{
    /// <summary>y = sin(πx₀)·x₁ on [-1, 1]², a smooth target a linear model cannot fit.</summary>
    private (Tensor x, Tensor y) Data(int n)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.rand([n, 2], device: device).mul(2.0).sub(1.0);
        var y = (x.select(1, 0) * Math.PI).sin().mul(x.select(1, 1)).unsqueeze(1);
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    [Test]
    public void AdamTrainsASmallMlp()
    {
        torch.manual_seed(7);
        using var mlp = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1)).to(device);
        using var opt = new Adam(mlp.parameters(), lr: 0.02);
        var (x, y) = Data(128);
        using (x)
        using (y)
        {
            double first = 0, last = 0;
            for (var step = 0; step < 400; step++)
            {
                using var scope = torch.NewDisposeScope();
                opt.zero_grad();
                var loss = F.mse_loss(mlp.call(x), y);
                loss.backward();
                opt.step();
                var value = loss.item<float>();
                if (step == 0) first = value;
                last = value;
            }
            TestContext.Out.WriteLine($"loss {first:G4} -> {last:G4}");
            Assert.That(last, Is.LessThan(0.1 * first));
        }
    }

    [Test]
    public void TrainingLoopDoesNotGrowLiveTensors()
    {
        torch.manual_seed(8);
        using var model = new Sequential(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(inplace: true), new AdaptiveAvgPool2d(1),
            new Flatten(), new Linear(4, 1)).to(device);
        using var opt = new AdamW(model.parameters(), lr: 1e-3, amsgrad: true);
        var sched = new CosineAnnealingLR(opt, T_max: 200);
        long after10 = 0;
        for (var step = 1; step <= 200; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                opt.zero_grad();
                var x = torch.randn([4, 1, 6, 6], device: device);
                var loss = model.call(x).pow(2).mean();
                loss.backward();
                opt.step();
                sched.step();
            }
            if (step == 10 || step == 200)
            {
                // Tensors leaked (and finalized) by earlier tests must not move the count between the two readings.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                if (step == 10) after10 = Tensor.LiveCount;
            }
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(after10));
    }

    [Test]
    public void DisposingModuleAndOptimizerFreesEverything()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Tensor.LiveCount;
        var model = new Sequential(new Linear(3, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 1)).to(device);
        var opt = new Adam(model.parameters(), amsgrad: true);
        var momentum = new SGD(model.parameters(), lr: 0.1, momentum: 0.9);
        using (var scope = torch.NewDisposeScope())
        {
            model.call(torch.randn([5, 3], device: device)).sum().backward();
            opt.step();
            momentum.step();
        }
        opt.Dispose();
        momentum.Dispose();
        model.Dispose();
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }
}
