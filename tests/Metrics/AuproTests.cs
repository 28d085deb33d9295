using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>AUPRO: analytic cases, hand-computed cases, invariances and the undefined cases.</summary>
public class AuproTests
{
    private static double Aupro(PixelSet set, double limit, Connectivity connectivity = Connectivity.Eight) =>
        PixelMetrics.Compute(set, new PixelMetricsOptions { AuproLimits = [limit], Connectivity = connectivity }).Aupro[0].Value.Value;

    /// <summary>anomalib's analytic case: a 400x7 ramp arange(2800)/2800 in row-major order.</summary>
    private static PixelSet Ramp(params int[] defectColumns)
    {
        int h = 400, w = 7;
        var map = new float[h * w];
        var mask = new byte[h * w];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = (float)(i / 2800.0);
            if (defectColumns.Contains(i % w)) mask[i] = 1;
        }
        return PixelSet.FromImages([map], [mask], h, w);
    }

    [Test]
    public void RampWithDefectColumnThreeGivesOneSixth()
    {
        // Walking down the scores, each row adds 6 of the 2400 normal pixels (FPR + 1/400) and
        // 1 of the 400 region pixels (PRO + 1/400): the curve is a fine staircase along
        // PRO = FPR, whose area up to 1/3 is (1/3)²/2; divided by 1/3 that is 1/6.
        var value = Aupro(Ramp(3), 1.0 / 3);
        Assert.That(value, Is.EqualTo(1.0 / 6).Within(1e-5));
        Assert.That(value, Is.EqualTo(0.16666563).Within(1e-8));
    }

    [Test]
    public void RampWithDefectColumnsOneThreeFiveGivesOneSixth()
    {
        var value = Aupro(Ramp(1, 3, 5), 1.0 / 3);
        Assert.That(value, Is.EqualTo(1.0 / 6).Within(1e-5));
        Assert.That(value, Is.EqualTo(0.16666615).Within(1e-8));
    }

    [Test]
    public void ConstantMapGivesPointOneFive()
    {
        // One tie group: the curve jumps from (0,0) to (1,1); 0.5·0.3·0.3 / 0.3 = 0.15.
        var set = SyntheticSets.Create(seed: 4, images: 6, height: 16, width: 16);
        var constant = set.Maps.Select(m => Enumerable.Repeat(0.7f, m.Length).ToArray()).ToList();
        var r = PixelMetrics.Compute(PixelSet.FromImages(constant, set.Masks, 16, 16));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(0.15).Within(1e-15));
        Assert.That(r.AuproAt(0.05).Value.Value, Is.EqualTo(0.025).Within(1e-15));
        Assert.That(r.Auroc.Value, Is.EqualTo(0.5));
    }

    [Test]
    public void HandComputedRowOfFourPixels()
    {
        // One region of two pixels (0.4, 0.3) and two normal pixels (0.35, 0.1). Descending:
        // 0.4 → (0, 0.5); 0.35 → (0.5, 0.5); 0.3 → (0.5, 1); 0.1 → (1, 1).
        var set = PixelSet.FromImages([[0.1f, 0.35f, 0.3f, 0.4f]], [[0, 0, 1, 1]], 1, 4);
        var r = PixelMetrics.Compute(set, new PixelMetricsOptions { AuproLimits = [0.3, 0.5, 1.0], CurveCells = 0 });
        // To 0.3: the (0,0.5)→(0.5,0.5) segment cut at 0.3: 0.15 / 0.3.
        Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(0.5).Within(1e-15));
        // To 0.5 exactly a curve point: no interpolation: 0.25 / 0.5.
        Assert.That(r.AuproAt(0.5).Value.Value, Is.EqualTo(0.5).Within(1e-15));
        // To 1: 0.25 + 0.5.
        Assert.That(r.AuproAt(1.0).Value.Value, Is.EqualTo(0.75).Within(1e-15));
        Assert.That(r.Pro!.Points.Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0) }));
        Assert.That(r.Regions, Is.EqualTo(1));
    }

    [Test]
    public void PerfectMapScoresOne()
    {
        var set = SyntheticSets.Create(seed: 5, images: 8, height: 24, width: 24);
        var perfect = set.Masks.Select(m => m.Select(v => (float)v).ToArray()).ToList();
        var r = PixelMetrics.Compute(PixelSet.FromImages(perfect, set.Masks, 24, 24));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(r.Auroc.Value, Is.EqualTo(1.0));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(1.0));
        Assert.That(r.F1Max.Value.Value, Is.EqualTo(1.0));
    }

    [Test]
    public void EightConnectivityJoinsCornerTouchingRegionsFourSplitsThem()
    {
        // A 2x2 square scored high touching a 1-pixel defect scored low at a corner.
        // 8-connected: one region of 5 pixels, 4/5 covered at low FPR.
        // 4-connected: two regions, covered 1 and 0: PRO 1/2 at low FPR.
        int h = 6, w = 6;
        var mask = new byte[h * w];
        var map = new float[h * w];
        for (var i = 0; i < map.Length; i++) map[i] = 0.1f + 0.5f * i / map.Length; // normal background
        foreach (var (y, x) in new[] { (1, 1), (1, 2), (2, 1), (2, 2) })
        {
            mask[y * w + x] = 1;
            map[y * w + x] = 0.9f;
        }
        mask[3 * w + 3] = 1;
        map[3 * w + 3] = 0.0f;
        var set = PixelSet.FromImages([map], [mask], h, w);

        var eight = PixelMetrics.Compute(set, new PixelMetricsOptions { AuproLimits = [0.3], CurveCells = 0 });
        var four = PixelMetrics.Compute(set, new PixelMetricsOptions { AuproLimits = [0.3], Connectivity = Connectivity.Four, CurveCells = 0 });
        Assert.That(eight.Regions, Is.EqualTo(1));
        Assert.That(four.Regions, Is.EqualTo(2));
        Assert.That(eight.AuproAt(0.3).Value.Value, Is.EqualTo(0.8).Within(1e-12));
        Assert.That(four.AuproAt(0.3).Value.Value, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(eight.Auroc.Value, Is.EqualTo(four.Auroc.Value), "connectivity changes AUPRO only");
    }

    [Test]
    public void StrictlyIncreasingTransformsLeaveExactAuproUnchanged()
    {
        // A regression guard against thresholds spaced linearly in score.
        var set = SyntheticSets.Create(seed: 6, images: 12, height: 20, width: 20);
        var exp = set.Maps.Select(m => m.Select(v => MathF.Exp(6 * v)).ToArray()).ToList();
        var a = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 20, 20));
        var b = PixelMetrics.Compute(PixelSet.FromImages(exp, set.Masks, 20, 20));
        Assert.That(b.AuproAt(0.3).Value.Value, Is.EqualTo(a.AuproAt(0.3).Value.Value).Within(1e-12));
        Assert.That(b.Auroc.Value, Is.EqualTo(a.Auroc.Value).Within(1e-12));
    }

    [TestCase(11, 0, 0.3)]
    [TestCase(12, 8, 0.3)]
    [TestCase(13, 3, 0.05)]
    [TestCase(14, 40, 0.05)]
    public void AgreesWithTheMvtecTranscription(int seed, int levels, double limit)
    {
        var set = SyntheticSets.Create(seed, images: 10, height: 18, width: 22, levels: levels);
        var r = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 18, 22), new PixelMetricsOptions { AuproLimits = [limit] });
        var expected = ReferenceMetrics.Aupro(set.Maps, set.Masks, 18, 22, limit);
        Assert.That(r.Aupro[0].Value.Value, Is.EqualTo(expected).Within(1e-12));
        Assert.That(r.Aupro[0].Approximate, Is.False);

        var four = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 18, 22), new PixelMetricsOptions { AuproLimits = [limit], Connectivity = Connectivity.Four });
        Assert.That(four.Aupro[0].Value.Value, Is.EqualTo(ReferenceMetrics.Aupro(set.Maps, set.Masks, 18, 22, limit, eightConnected: false)).Within(1e-12));
    }

    [Test]
    public void ImagesWithoutDefectsContributeNormalPixelsOnly()
    {
        var set = SyntheticSets.Create(seed: 7, images: 6, height: 12, width: 12, defectFraction: 1);
        var goodMap = Enumerable.Range(0, 144).Select(i => i / 144f).ToArray();
        var withGood = PixelMetrics.Compute(PixelSet.FromImages([.. set.Maps, goodMap], [.. set.Masks, new byte[144]], 12, 12));
        var without = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 12, 12));
        Assert.That(withGood.Regions, Is.EqualTo(without.Regions));
        Assert.That(withGood.NormalPixels, Is.EqualTo(without.NormalPixels + 144));
        Assert.That(withGood.AuproAt(0.3).Value.Value, Is.Not.EqualTo(without.AuproAt(0.3).Value.Value));
        Assert.That(withGood.AuproAt(0.3).Value.Value,
            Is.EqualTo(ReferenceMetrics.Aupro([.. set.Maps, goodMap], [.. set.Masks, new byte[144]], 12, 12, 0.3)).Within(1e-12));
    }

    [Test]
    public void NoDefectAnywhereIsUndefinedNotOneHalf()
    {
        var maps = new List<float[]> { new float[] { 0.1f, 0.5f, 0.2f, 0.9f } };
        var r = PixelMetrics.Compute(PixelSet.FromImages(maps, [new byte[4]], 2, 2));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.NaN);
        Assert.That(r.AuproAt(0.3).Value.UndefinedReason, Does.Contain("no ground-truth region"));
        Assert.That(r.Auroc.Value, Is.NaN);
        Assert.That(r.Auroc.UndefinedReason, Does.Contain("no anomalous pixels"));
        Assert.That(r.AveragePrecision.IsDefined, Is.False);
        Assert.That(r.F1Max.Value.IsDefined, Is.False);
    }

    [Test]
    public void NoNormalPixelIsUndefined()
    {
        var r = PixelMetrics.Compute(PixelSet.FromImages([[0.1f, 0.5f, 0.2f, 0.9f]], [[1, 1, 1, 1]], 2, 2));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.NaN);
        Assert.That(r.AuproAt(0.3).Value.UndefinedReason, Does.Contain("no normal pixel"));
        Assert.That(r.Auroc.UndefinedReason, Does.Contain("no normal pixels"));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(1.0));
    }

    [Test]
    public void EmptySetIsUndefined()
    {
        var r = PixelMetrics.Compute(new PixelSet([]));
        Assert.That(r.Auroc.UndefinedReason, Does.Contain("no pixels"));
        Assert.That(r.AuproAt(0.3).Value.IsDefined, Is.False);
    }

    [TestCase(0.0)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void LimitsOutsideTheUnitIntervalAreRejected(double limit)
    {
        var set = PixelSet.FromImages([[0.1f, 0.5f]], [[0, 1]], 1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelMetrics.Compute(set, new PixelMetricsOptions { AuproLimits = [limit] }));
    }
}
