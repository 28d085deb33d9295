using AnomalyBench.Metrics;
using AnomalyBench.Metrics.Statistics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics.Statistics;

/// <summary>
/// DeLong's variance, interval and paired test on a 7-image case worked out by hand from the structural components
/// (ψ = 1, ½, 0 for >, =, <), and against the exact AUROC of <see cref="ImageMetrics"/>.
/// </summary>
public class DeLongTests
{
    // A: anomalous X = {0.9, 0.8, 0.4}, normal Y = {0.5, 0.3, 0.4, 0.1} (one tie, 0.4 vs 0.4).
    private static readonly double[] s_a = [0.9, 0.5, 0.8, 0.3, 0.4, 0.4, 0.1];
    // B: X = {0.6, 0.7, 0.9}, Y = {0.5, 0.8, 0.2, 0.1}.
    private static readonly double[] s_b = [0.6, 0.5, 0.7, 0.8, 0.9, 0.2, 0.1];
    private static readonly byte[] s_labels = [1, 0, 1, 0, 1, 0, 0];

    [Test]
    public void VarianceAndIntervalEqualTheHandComputedStructuralComponents()
    {
        var r = DeLongAuroc.Compute(s_a, s_labels);
        // V10 = (4/4, 4/4, 2.5/4); V01 = (2/3, 3/3, 2.5/3, 3/3).
        Assert.That(r.V10, Is.EqualTo(new[] { 1, 1, 0.625 }).Within(1e-15));
        Assert.That(r.V01, Is.EqualTo(new[] { 2.0 / 3, 1, 5.0 / 6, 1 }).Within(1e-15));
        Assert.That(r.Auroc, Is.EqualTo(0.875).Within(1e-15));
        // S10 = 3/64, S01 = 11/432; Var = S10/3 + S01/4 = 19/864.
        Assert.That(r.Variance, Is.EqualTo(19.0 / 864).Within(1e-15));
        // 0.875 ± 1.959964·√(19/864) = 0.875 ± 0.290649, the upper end clipped to 1.
        Assert.That(r.Lower, Is.EqualTo(0.875 - 1.959963984540054 * Math.Sqrt(19.0 / 864)).Within(1e-12));
        Assert.That(r.Lower, Is.EqualTo(0.584351).Within(1e-6));
        Assert.That(r.Upper, Is.EqualTo(1));
    }

    [Test]
    public void TheAurocIsTheExactOneOfTheImageMetrics()
    {
        var random = new Random(7);
        var scores = Enumerable.Range(0, 60).Select(_ => Math.Round(random.NextDouble(), 1)).ToArray();
        var labels = Enumerable.Range(0, 60).Select(i => (byte)(i % 3 == 0 ? 1 : 0)).ToArray();
        var exact = ImageMetrics.Compute(scores.Select(s => (float)s).ToArray(), labels).Auroc.Value;
        Assert.That(DeLongAuroc.Compute(scores, labels).Auroc, Is.EqualTo(exact).Within(1e-12));
    }

    [Test]
    public void ThePairedTestEqualsTheHandComputedValueAndIsSymmetric()
    {
        var ab = DeLongPairedTest.Compute(s_a, s_b, s_labels);
        // AUROC B = 5/6; Var B = 5/144; Cov(A, B) = −1/96 − 1/144 = −5/288; Var(A − B) = 19/864 + 5/144 + 10/288 = 79/864.
        Assert.That(ab.AurocA, Is.EqualTo(0.875).Within(1e-15));
        Assert.That(ab.AurocB, Is.EqualTo(5.0 / 6).Within(1e-15));
        var z = (1.0 / 24) / Math.Sqrt(79.0 / 864);
        Assert.That(ab.Z, Is.EqualTo(z).Within(1e-12));
        Assert.That(ab.P, Is.EqualTo(2 * (1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, z))).Within(1e-12));
        Assert.That(ab.P, Is.EqualTo(0.8904).Within(1e-4));

        var ba = DeLongPairedTest.Compute(s_b, s_a, s_labels);
        Assert.That(ba.Z, Is.EqualTo(-ab.Z).Within(1e-15));
        Assert.That(ba.P, Is.EqualTo(ab.P).Within(1e-15));
    }

    [Test]
    public void IdenticalScoresGiveP1()
    {
        var same = DeLongPairedTest.Compute(s_a, s_a, s_labels);
        Assert.That((same.Z, same.P, same.Difference), Is.EqualTo((0.0, 1.0, 0.0)));
    }

    [Test]
    public void TooFewImagesOrMismatchedInputsAreClearErrors()
    {
        Assert.That(() => DeLongAuroc.Compute([0.1, 0.2, 0.3], [1, 0, 0]), Throws.ArgumentException.With.Message.Contains("at least two anomalous"));
        Assert.That(() => DeLongAuroc.Compute([0.1, 0.2], [1, 0, 0]), Throws.ArgumentException.With.Message.Contains("one value per image"));
        Assert.That(() => DeLongPairedTest.Compute(s_a, s_a[..6], s_labels), Throws.ArgumentException.With.Message.Contains("same images"));
        Assert.That(() => DeLongAuroc.Compute([0.1, double.NaN, 0.3, 0.4], [1, 1, 0, 0]), Throws.ArgumentException.With.Message.Contains("NaN"));
    }
}
