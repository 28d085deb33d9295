using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReConPatch;

/// <summary>The relaxed contrastive loss (ReConPatch §3.3) on a 3-4-5 triangle, by hand.</summary>
public class RelaxedContrastiveLossTests
{
    [Test]
    public void EqualsTheHandComputedValueOnATriangle()
    {
        // z0 = (0,0), z1 = (3,0), z2 = (0,4): d01 = 3, d02 = 4, d12 = 5. Mean distances (self included):
        // 7/3, 8/3, 3, so δ01 = 9/7, δ02 = 12/7, δ10 = 9/8, δ12 = 15/8, δ20 = 4/3, δ21 = 5/3.
        // w01 = 1, w02 = 0, w12 = 0.5 (symmetric), m = 2:
        // (0,1) 81/49; (0,2) (2 − 12/7)² = 4/49; (1,0) 81/64; (1,2) ½·225/64 + ½·1/64 = 113/64;
        // (2,0) (2 − 4/3)² = 4/9; (2,1) ½·25/9 + ½·1/9 = 13/9. Sum = 85/49 + 97/32 + 17/9, divided by N = 3.
        using var z = torch.from_array(new double[] { 0, 0, 3, 0, 0, 4 }, [3, 2]);
        using var w = torch.from_array(new double[] { 1, 1, 0, 1, 1, 0.5, 0, 0.5, 1 }, [3, 3]);
        using var loss = RelaxedContrastiveLoss.Compute(z, w, margin: 2);
        Assert.That(loss.item<double>(), Is.EqualTo((85.0 / 49 + 97.0 / 32 + 17.0 / 9) / 3).Within(1e-12));
    }

    [Test]
    public void TheDiagonalDoesNotCountAndTheGradientIsFinite()
    {
        // w = 0 everywhere: with the diagonal counted, each i would add (m − 0)² = 1.
        using var z = torch.from_array(new double[] { 0, 0, 3, 0, 0, 4 }, [3, 2]).requires_grad_();
        using var w = torch.zeros([3, 3], ScalarType.Float64);
        using var loss = RelaxedContrastiveLoss.Compute(z, w, margin: 1);
        // δ01 = 9/7, δ02 = 12/7, δ10 = 9/8, δ12 = 15/8, δ20 = 4/3, δ21 = 5/3: all above m = 1, so L = 0.
        Assert.That(loss.item<double>(), Is.EqualTo(0).Within(1e-12));
        using var z2 = torch.from_array(new double[] { 0, 0, 1, 0, 0, 1, 1, 1 }, [4, 2]).requires_grad_();
        using var w2 = torch.full([4, 4], 0.5, ScalarType.Float64);
        using var loss2 = RelaxedContrastiveLoss.Compute(z2, w2, margin: 1);
        loss2.backward();
        using var grad = z2.grad!;
        Assert.That(Torch.TensorAssert.Values(grad).All(double.IsFinite), Is.True);
    }
}
