using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>The opt-in approximate AUPRO (MVTec 3D-AD quantile thresholds).</summary>
public class QuantileAuproTests
{
    [TestCase(81)]
    [TestCase(82)]
    public void IsCloseToTheExactValueAndSaysItIsApproximate(int seed)
    {
        var set = SyntheticSets.Create(seed, images: 20, height: 32, width: 32);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 32, 32);
        var exact = PixelMetrics.Compute(pixels);
        var fast = PixelMetrics.Compute(pixels, new PixelMetricsOptions { Aupro = AuproMode.Quantile, QuantileThresholds = 5000 });
        foreach (var limit in new[] { 0.3, 0.05 })
        {
            var a = fast.AuproAt(limit);
            Assert.That(a.Approximate, Is.True);
            Assert.That(a.Method, Does.Contain("approximate").And.Contain("5000"));
            Assert.That(a.Value.Value, Is.EqualTo(exact.AuproAt(limit).Value.Value).Within(1e-3));
        }
        Assert.That(fast.Regions, Is.EqualTo(exact.Regions));
        Assert.That(fast.Auroc, Is.EqualTo(exact.Auroc), "the other metrics stay exact");
    }

    [Test]
    public void TiedNormalScoresBiasItLowAsInTheReference()
    {
        // 1 − (pos + 1)/n is the FPR only when no normal score ties with the threshold; with
        // coarse scores it overstates the FPR, shifting the curve right (a property of the
        // MVTec 3D-AD method, kept here for comparability; the exact mode has no such bias).
        var set = SyntheticSets.Create(seed: 82, images: 20, height: 32, width: 32, levels: 50);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 32, 32);
        var exact = PixelMetrics.Compute(pixels).AuproAt(0.3).Value.Value;
        var fast = QuantileAupro.Compute(pixels, [0.3], 5000).Values[0].Value.Value;
        Assert.That(fast, Is.LessThan(exact - 0.005));
    }

    [Test]
    public void MatchesTheMvtec3dTranscription()
    {
        // A direct transcription of au_pro_util.compute_pro on a small set.
        var set = SyntheticSets.Create(seed: 83, images: 6, height: 12, width: 12, levels: 20);
        const int k = 37;
        var r = QuantileAupro.Compute(PixelSet.FromImages(set.Maps, set.Masks, 12, 12), [0.3, 0.05], k);

        var ok = new List<float>();
        var components = new List<float[]>();
        for (var m = 0; m < set.Maps.Count; m++)
        {
            var (labels, count) = ReferenceMetrics.LabelBfs(set.Masks[m], 12, 12, true);
            for (var p = 0; p < labels.Length; p++)
                if (labels[p] == 0) ok.Add(set.Maps[m][p]);
            for (var c = 1; c <= count; c++)
                components.Add([.. labels.Select((l, p) => (l, p)).Where(t => t.l == c).Select(t => set.Maps[m][t.p])]);
        }
        ok.Sort();
        var fprs = new List<double> { 1.0 };
        var pros = new List<double> { 1.0 };
        var step = (double)(ok.Count - 1) / (k - 1);
        for (var i = 0; i < k; i++)
        {
            var pos = i == k - 1 ? ok.Count - 1 : (int)Math.Floor(i * step);
            var threshold = ok[pos];
            fprs.Add(1.0 - (pos + 1.0) / ok.Count);
            pros.Add(components.Average(c => c.Count(s => s > threshold) / (double)c.Length));
        }
        fprs.Reverse();
        pros.Reverse();
        Assert.That(r.Values[0].Value.Value, Is.EqualTo(ReferenceMetrics.Trapezoid(fprs, pros, 0.3) / 0.3).Within(1e-12));
        Assert.That(r.Values[1].Value.Value, Is.EqualTo(ReferenceMetrics.Trapezoid(fprs, pros, 0.05) / 0.05).Within(1e-12));
        Assert.That(r.Thresholds, Is.EqualTo(k));
    }

    [Test]
    public void UndefinedCasesCarryReasons()
    {
        var noDefect = QuantileAupro.Compute(PixelSet.FromImages([[0.1f, 0.2f]], [[0, 0]], 1, 2), [0.3]);
        Assert.That(noDefect.Values[0].Value.UndefinedReason, Does.Contain("no ground-truth region"));
        var noNormal = QuantileAupro.Compute(PixelSet.FromImages([[0.1f, 0.2f]], [[1, 1]], 1, 2), [0.3]);
        Assert.That(noNormal.Values[0].Value.UndefinedReason, Does.Contain("no normal pixel"));
    }
}
