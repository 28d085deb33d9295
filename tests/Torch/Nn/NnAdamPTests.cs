using AnomalyBench.Torch;
using AnomalyBench.Torch.Optim;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnAdamPTests
{
    [Test]
    public void WithoutProjectionAdamPStepsExactlyLikeAdamW()
    {
        torch.manual_seed(3);
        using var a = torch.randn([5], ScalarType.Float64).requires_grad_();
        using var b = a.detach().clone().requires_grad_();
        using var adamp = new AdamP([a], lr: 0.01, weight_decay: 0.1);
        using var adamw = new AdamW([b], lr: 0.01, weight_decay: 0.1);
        for (var step = 0; step < 5; step++)
        {
            using var scope = torch.NewDisposeScope();
            var target = torch.randn([5], ScalarType.Float64);
            (a - target).pow(2).sum().backward();
            (b - target).pow(2).sum().backward();
            adamp.step();
            adamw.step();
            adamp.zero_grad();
            adamw.zero_grad();
        }
        Assert.That(a.allclose(b, rtol: 0, atol: 1e-12), Is.True);
        Assert.That(adamp.LastStepProjected(a), Is.False, "1-D weights are never projected");
    }

    [Test]
    public void OnAScaleInvariantWeightTheRadialComponentIsRemovedAndDecayIsScaled()
    {
        torch.manual_seed(4);
        using var w = torch.randn([4, 6], ScalarType.Float64).requires_grad_();
        using var before = w.detach().clone();
        // A loss of w/‖w‖ per row is scale-invariant: its gradient is orthogonal to each row.
        using (var scope = torch.NewDisposeScope())
        {
            var target = torch.randn([4, 6], ScalarType.Float64);
            var unit = w / w.norm(2, 1, keepdim: true);
            (unit * target).sum().backward();
        }
        using var adamp = new AdamP([w], lr: 0.1);
        adamp.step();
        Assert.That(adamp.LastStepProjected(w), Is.True);
        using var delta = w.detach() - before;
        using var radial = (delta * before).sum([1]);
        // Adam's raw update is not orthogonal to w; the projected one is.
        // Zero up to the eps=1e-8 in the normalisation (an unprojected Adam step moves ~0.1 radially here).
        Assert.That(TensorAssert.Values(radial), Is.All.EqualTo(0).Within(1e-7));
        using var moved = delta.abs().sum();
        Assert.That(moved.item<double>(), Is.GreaterThan(0.1));
    }

    [Test]
    public void AWeightWhoseGradientIsAlignedIsNotProjected()
    {
        using var w = torch.ones([3, 3], ScalarType.Float64).requires_grad_();
        using (var scope = torch.NewDisposeScope()) w.pow(2).sum().backward();
        using var adamp = new AdamP([w], lr: 0.1);
        adamp.step();
        Assert.That(adamp.LastStepProjected(w), Is.False);
    }
}
