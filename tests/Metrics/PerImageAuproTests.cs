using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

public class PerImageAuproTests
{
    /// <summary>
    /// A 1×10 image: pixels 0–1 are one defect region (map 0.9, 0.5), pixels 2–9 normal (0, 0.1, …, 0.7); thresholds
    /// k·0.0045. FPR &lt; 0.3 allows at most 2 of the 8 normal pixels above th, i.e. th ≥ 0.5 (k ≥ 112), where the
    /// defect's 0.5 is no longer above th: every kept point has PRO 0.5 (FPR 0.25, 0.125, 0). After rescaling FPR to
    /// [0, 1] the area is 0.5.
    /// </summary>
    [Test]
    public void MatchesAHandComputedCurve()
    {
        var map = new float[] { 0.9f, 0.5f, 0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f };
        var mask = new byte[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
        var value = PerImageAupro.OfImage(new PixelImage(map, mask, 1, 10));
        Assert.That(value, Is.EqualTo(0.5).Within(1e-12));
        // A perfect map: defect 1, normal 0 → PRO 1 at every kept threshold.
        var perfect = PerImageAupro.OfImage(new PixelImage(new float[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0.5f }, mask, 1, 10));
        Assert.That(perfect, Is.EqualTo(1).Within(1e-12));
        Assert.That(PerImageAupro.OfImage(new PixelImage(map, new byte[10], 1, 10)), Is.Null, "a normal image has no curve");
        var set = new PixelSet([new PixelImage(map, mask, 1, 10), new PixelImage(new float[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0.5f }, mask, 1, 10), new PixelImage(map, new byte[10], 1, 10)]);
        Assert.That(PerImageAupro.Compute(set).Value, Is.EqualTo(0.75).Within(1e-12), "the mean over the anomalous images");
    }

    [Test]
    public void IsReportedUnderItsOwnKeyOnlyWhenAskedFor()
    {
        var maps = new float[] { 0.9f, 0.5f, 0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1f };
        var masks = new byte[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        var input = new EvaluationInput { Maps = maps, Masks = masks, Labels = [1, 0], Count = 2, Height = 1, Width = 10 };
        Assert.That(Evaluation.Evaluate(input).ToDictionary().Keys, Does.Not.Contain(EvaluationResult.PerImageAuproKey));
        var result = Evaluation.Evaluate(input, new PixelMetricsOptions { PerImageAupro = true }).ToDictionary();
        Assert.That(result[EvaluationResult.PerImageAuproKey], Is.EqualTo(0.5).Within(1e-12));
        Assert.That(result, Does.ContainKey("aupro_0.3"), "alongside the standard AUPRO");
    }
}
