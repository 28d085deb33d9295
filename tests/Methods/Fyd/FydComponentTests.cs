using AnomalyBench.Methods.Fyd;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Fyd;

/// <summary>FYD's building blocks against values worked out by hand.</summary>
public class FydComponentTests
{
    private DisposeScope _scope = null!;

    [SetUp]
    public void OpenScope() => _scope = torch.NewDisposeScope();

    [TearDown]
    public void CloseScope() => _scope.Dispose();

    private static Tensor T(float[] values, params long[] shape) => torch.from_array(values, shape);

    private static Tensor Theta(double a, double b, double c, double d, double e, double f) =>
        T([(float)a, (float)b, (float)c, (float)d, (float)e, (float)f], 1, 2, 3);

    /// <summary>A smooth image [1, 1, 32, 32] (low-frequency sines), so that bilinear resampling is nearly exact.</summary>
    private static Tensor Smooth()
    {
        var values = new float[32 * 32];
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            values[y * 32 + x] = (float)(Math.Sin(x * 0.21) + Math.Cos(y * 0.17 + 0.3 * Math.Sin(x * 0.1)));
        return T(values, 1, 1, 32, 32);
    }

    [TestCase("rigid")]
    [TestCase("translation")]
    [TestCase("rotation_scale")]
    [TestCase("affine")]
    public void ATransformerInitialisedToTheIdentityReturnsItsInput(string parameterisation)
    {
        using var stn = new SpatialTransformer(5, parameterisation, 4);
        stn.eval();
        var input = torch.randn(2, 5, 12, 9);
        var (output, theta) = stn.call(input);
        TensorAssert.Close(theta, [1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], [2, 2, 3]);
        Assert.That(output.allclose(input, atol: 1e-5), Is.True, "an identity warp with align_corners=False samples every pixel centre exactly");
    }

    [Test]
    public void TheParameterisationsBuildTheMatricesTheyName()
    {
        var alpha = Math.PI / 6;
        var (c, s) = ((float)Math.Cos(alpha), (float)Math.Sin(alpha));
        TensorAssert.Close(SpatialTransformer.Theta(T([(float)alpha, 0.1f, -0.2f], 1, 3), "rigid"), [c, -s, 0.1, s, c, -0.2], [1, 2, 3], 1e-6);
        TensorAssert.Close(SpatialTransformer.Theta(T([(float)alpha, 2, 3], 1, 3), "rotation_scale"), [2 * c, -s, 0, s, 3 * c, 0], [1, 2, 3], 1e-6);
        TensorAssert.Close(SpatialTransformer.Theta(T([0.5f, -0.5f], 1, 2), "translation"), [1, 0, 0.5, 0, 1, -0.5], [1, 2, 3]);
    }

    [Test]
    public void AKnownTranslationMovesAPatternWhereExpected()
    {
        // A bright 2×2 square at columns 20–21, rows 10–11 of a 32×32 image; θ = [[1, 0, 0.25], [0, 1, −0.125]] samples
        // the input at p + (0.25, −0.125) in normalised units = (4, −2) pixels: the square moves to columns 16–17, rows 12–13.
        var values = new float[32 * 32];
        foreach (var (x, y) in new[] { (20, 10), (21, 10), (20, 11), (21, 11) }) values[y * 32 + x] = 1;
        var image = T(values, 1, 1, 32, 32);
        var moved = AffineTransform.Warp(image, Theta(1, 0, 0.25, 0, 1, -0.125));
        var expected = new float[32 * 32];
        foreach (var (x, y) in new[] { (16, 12), (17, 12), (16, 13), (17, 13) }) expected[y * 32 + x] = 1;
        Assert.That(moved.allclose(T(expected, 1, 1, 32, 32), atol: 1e-5), Is.True);
    }

    [Test]
    public void WarpingByComposedStagesThenByTheComposedInverseReturnsTheInputAwayFromBorders()
    {
        var image = Smooth();
        // Stage 1 turns by 10° and shifts, stage 2 shrinks x by 0.85 and shifts: composed θ₁·θ₂ (they do not commute).
        var (c, s) = (Math.Cos(Math.PI / 18), Math.Sin(Math.PI / 18));
        var theta1 = AffineTransform.Homogeneous(Theta(c, -s, 0.05, s, c, -0.03));
        var theta2 = AffineTransform.Homogeneous(Theta(0.85, 0, 0.1, 0, 1, 0.05));
        var stage1 = AffineTransform.Warp(image, theta1);
        var stage2 = AffineTransform.Warp(stage1, theta2);
        Assert.That((stage2 - image).abs().max().item<float>(), Is.GreaterThan(0.2f), "the warps move the content");
        var back = AffineTransform.Unwarp(stage2, theta1.bmm(theta2));
        var centre = (back - image).narrow(2, 8, 16).narrow(3, 8, 16).abs().max().item<float>();
        Assert.That(centre, Is.LessThan(0.03f), "three bilinear resamplings of a smooth image agree inside the central 16×16");
        // The wrong order θ₂·θ₁ does not map it back.
        var wrong = AffineTransform.Unwarp(stage2, theta2.bmm(theta1));
        Assert.That((wrong - image).narrow(2, 8, 16).narrow(3, 8, 16).abs().max().item<float>(), Is.GreaterThan(0.05f));
    }

    [Test]
    public void TheFineAlignmentLossIsMinusOneForIdenticalMapsAndStopsTheGradientAtTheProjection()
    {
        var map = torch.randn(1, 8, 3, 4).expand(4, 8, 3, 4).contiguous();
        var p = map.clone();
        p.requires_grad = true;
        var z = map.clone();
        z.requires_grad = true;
        var loss = FineAlignmentLoss.Compute(p, z);
        Assert.That(loss.item<float>(), Is.EqualTo(-1f).Within(1e-5));
        loss.backward();
        Assert.That(p.grad, Is.Not.Null, "the prediction branch is trained");
        Assert.That(z.grad, Is.Null, "no gradient flows through the stop-gradient branch");
    }

    [Test]
    public void TheFineAlignmentLossAveragesBothDirectionsOfEveryPair()
    {
        // Two images, one location, two channels: p₀ = (1, 0), p₁ = (0, 1), z₀ = (1, 0), z₁ = (1, 1).
        // Pairs: cos(p₀, z₁) = 1/√2 and cos(p₁, z₀) = 0, so the loss is −(1/√2 + 0)/2.
        var p = T([1, 0, 0, 1], 2, 2, 1, 1);
        var z = T([1, 0, 1, 1], 2, 2, 1, 1);
        Assert.That(FineAlignmentLoss.Compute(p, z).item<float>(), Is.EqualTo(-1 / Math.Sqrt(2) / 2).Within(1e-6));
        Assert.That(() => FineAlignmentLoss.Compute(p.narrow(0, 0, 1), z.narrow(0, 0, 1)), Throws.ArgumentException.With.Message.Contains("at least 2"));
    }

    [Test]
    public void TheImageAlignmentLossIsZeroForIdenticalImagesAndTheMeanPairDistanceOtherwise()
    {
        var same = torch.rand(1, 3, 6, 6).expand(3, 3, 6, 6).contiguous();
        same.requires_grad = true;
        var zero = ImageAlignmentLoss.Compute(same);
        Assert.That(zero.item<float>(), Is.EqualTo(0f));
        zero.backward();
        Assert.That(TensorAssert.Values(same.grad!).All(v => v == 0), Is.True, "a zero distance has a zero (not NaN) gradient");
        // Two images, two channels, two locations: distances ‖(0,0) − (3,4)‖ = 5 and ‖(1,1) − (1,1)‖ = 0 → mean 2.5.
        var pair = T([0, 1, 0, 1, 3, 1, 4, 1], 2, 2, 1, 2);
        Assert.That(ImageAlignmentLoss.Compute(pair).item<float>(), Is.EqualTo(2.5f).Within(1e-6));
        // h pools the aligned image by the factor: a 4×4 image pooled by 2 is its 2×2 block means.
        var image = torch.arange(16, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        TensorAssert.Close(ImageAlignmentLoss.Representation(image, 2), [2.5, 4.5, 10.5, 12.5], [1, 1, 2, 2]);
    }

    [Test]
    public void MahalanobisEqualsTheHandComputedValueOfATwoDimensionalGaussian()
    {
        // Training points (0,0), (2,1), (1,2), (3,3) at one location, in two batches: μ = (1.5, 1.5), unbiased
        // covariance [[5/3, 4/3], [4/3, 5/3]], + 0.01·I. x = (2.5, 0.5): x − μ = (1, −1) lies on the eigenvector
        // (1, −1)/√2 with eigenvalue 1/3 + 0.01, so M² = 2 / (1/3 + 0.01).
        using var accumulator = new LocationGaussian.Accumulator();
        accumulator.Add(T([0, 0, 2, 1], 2, 2, 1, 1));
        accumulator.Add(T([1, 2, 3, 3], 2, 2, 1, 1));
        using var channels = torch.from_array(new long[] { 0, 1 }, [2]);
        using var gaussian = accumulator.ToGaussian(channels, 0.01);
        TensorAssert.Close(gaussian.Mean, [1.5, 1.5], [1, 2]);
        var m = gaussian.Mahalanobis(T([2.5f, 0.5f, 1.5f, 1.5f], 2, 2, 1, 1));
        TensorAssert.Close(m, [Math.Sqrt(2 / (1.0 / 3 + 0.01)), 0], [2, 1, 1], 1e-4);
    }

    [Test]
    public void TheChannelSubsetIsASeededDrawWithoutReplacement()
    {
        var subset = LocationGaussian.ChannelSubset(448, 100, 7);
        Assert.That(subset, Has.Length.EqualTo(100));
        Assert.That(subset.Distinct().Count(), Is.EqualTo(100));
        Assert.That(subset.All(c => c is >= 0 and < 448), Is.True);
        Assert.That(LocationGaussian.ChannelSubset(448, 100, 7), Is.EqualTo(subset));
        Assert.That(LocationGaussian.ChannelSubset(448, 100, 8), Is.Not.EqualTo(subset));
        Assert.That(LocationGaussian.ChannelSubset(64, 0, 7), Is.EqualTo(Enumerable.Range(0, 64).Select(i => (long)i)));
    }
}
