using AnomalyBench.Torch;
using NUnit.Framework;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnGradCheckTests
{
    [Test]
    public void Conv2dStridedPaddedGrouped()
    {
        var rng = new Random(11);
        using var x = GradCheck.Randn(rng, 2, 4, 7, 6);
        using var w = GradCheck.Randn(rng, 6, 2, 3, 3);
        using var b = GradCheck.Randn(rng, 6);
        GradCheck.Check("conv2d", t => F.conv2d(t[0], t[1], t[2], stride: 2, padding: 1, groups: 2), [x, w, b]);
    }

    [Test]
    public void ConvTranspose2d()
    {
        var rng = new Random(12);
        using var x = GradCheck.Randn(rng, 2, 4, 4, 3);
        using var w = GradCheck.Randn(rng, 4, 3, 3, 3);
        using var b = GradCheck.Randn(rng, 6);
        GradCheck.Check("conv_transpose2d", t => F.conv_transpose2d(t[0], t[1], t[2], stride: 2, padding: 1, output_padding: 1, groups: 2), [x, w, b]);
    }

    [Test]
    public void Linear()
    {
        var rng = new Random(13);
        using var x = GradCheck.Randn(rng, 3, 5);
        using var w = GradCheck.Randn(rng, 4, 5);
        using var b = GradCheck.Randn(rng, 4);
        GradCheck.Check("linear", t => F.linear(t[0], t[1], t[2]), [x, w, b]);
    }

    [Test]
    public void BatchNormTrainingMode()
    {
        var rng = new Random(14);
        using var x = GradCheck.Randn(rng, 4, 3, 3, 2);
        using var w = GradCheck.Randn(rng, 3);
        using var b = GradCheck.Randn(rng, 3);
        GradCheck.Check("batch_norm(training)", t => F.batch_norm(t[0], null, null, t[1], t[2], training: true), [x, w, b], probes: 8);
    }

    [Test]
    public void BatchNormTrainingModeUpdatingRunningStats()
    {
        // The running statistics are side outputs: they must not change the gradient.
        var rng = new Random(15);
        using var x = GradCheck.Randn(rng, 3, 2, 2, 3);
        using var w = GradCheck.Randn(rng, 2);
        using var b = GradCheck.Randn(rng, 2);
        GradCheck.Check("batch_norm(training, running stats)", t =>
        {
            using var rm = torch.zeros([2], ScalarType.Float64);
            using var rv = torch.ones([2], ScalarType.Float64);
            return F.batch_norm(t[0], rm, rv, t[1], t[2], training: true, momentum: 0.3);
        }, [x, w, b]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void InterpolateBilinear(bool alignCorners)
    {
        var rng = new Random(16);
        using var x = GradCheck.Randn(rng, 2, 2, 4, 5);
        GradCheck.Check($"interpolate(bilinear, align_corners={alignCorners}) up", t => F.interpolate(t[0], size: [7, 9], mode: "bilinear", align_corners: alignCorners), [x], probes: 10);
        GradCheck.Check($"interpolate(bilinear, align_corners={alignCorners}) down", t => F.interpolate(t[0], size: [3, 2], mode: "bilinear", align_corners: alignCorners), [x], probes: 10);
    }

    [TestCase("zeros", false)]
    [TestCase("zeros", true)]
    [TestCase("reflection", false)]
    [TestCase("reflection", true)]
    public void GridSampleBilinear(string padding, bool alignCorners)
    {
        var rng = new Random(17);
        using var x = GradCheck.Randn(rng, 2, 3, 5, 4);
        // Beyond [-1, 1] so that the padding rule is exercised.
        using var grid = GradCheck.Uniform(rng, -1.3, 1.3, 2, 4, 3, 2);
        GradCheck.Check($"grid_sample({padding}, align_corners={alignCorners})",
            t => F.grid_sample(t[0], t[1], "bilinear", padding, alignCorners), [x, grid], probes: 10);
    }
}
