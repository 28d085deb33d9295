using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>Pixel-level metrics against the plain transcriptions, and the engine's invariances.</summary>
public class PixelMetricsTests
{
    [TestCase(21, 0)]
    [TestCase(22, 5)]
    [TestCase(23, 60)]
    public void PoolsAllPixelsOfAllImagesLikeScikitLearnOnTheFlattenedArrays(int seed, int levels)
    {
        var set = SyntheticSets.Create(seed, images: 9, height: 20, width: 30, levels: levels);
        var r = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 20, 30));
        float[] scores = set.FlatMaps;
        byte[] labels = set.FlatMasks;
        Assert.That(r.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc(scores, labels)).Within(1e-12));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(ReferenceMetrics.AveragePrecision(scores, labels)).Within(1e-12));
        Assert.That(r.F1Max.Value.Value, Is.EqualTo(ReferenceMetrics.F1Max(scores, labels)).Within(1e-12));
        Assert.That(r.AnomalousPixels, Is.EqualTo(labels.Count(l => l == 1)));
        Assert.That(r.NormalPixels, Is.EqualTo(labels.Count(l => l == 0)));

        // The image-level routine on the flattened arrays is the same computation.
        var flat = ImageMetrics.Compute(scores, labels);
        Assert.That(r.Auroc.Value, Is.EqualTo(flat.Auroc.Value).Within(1e-15));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(flat.AveragePrecision.Value).Within(1e-12));
        Assert.That(r.Aupr.Value, Is.EqualTo(flat.Aupr.Value).Within(1e-12));
    }

    [Test]
    public void ResultsDoNotDependOnWorkersOrOnTheSortBufferBudget()
    {
        var set = SyntheticSets.Create(seed: 31, images: 15, height: 24, width: 24, levels: 30);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 24, 24);
        var baseline = PixelMetrics.Compute(pixels, new PixelMetricsOptions { MaxDegreeOfParallelism = 1 });
        foreach (var options in new[]
        {
            new PixelMetricsOptions { MaxDegreeOfParallelism = 2 },
            new PixelMetricsOptions { MaxDegreeOfParallelism = 5 },
            new PixelMetricsOptions { MaxDegreeOfParallelism = 3, MaxSortBufferBytes = 8 * 700 }, // many chunks
            new PixelMetricsOptions { MaxDegreeOfParallelism = 1, MaxSortBufferBytes = 8 },       // one bucket per chunk
        })
        {
            var r = PixelMetrics.Compute(pixels, options);
            Assert.That(r.Auroc.Value, Is.EqualTo(baseline.Auroc.Value), options.ToString());
            Assert.That(r.AveragePrecision.Value, Is.EqualTo(baseline.AveragePrecision.Value).Within(1e-14));
            Assert.That(r.F1Max, Is.EqualTo(baseline.F1Max));
            Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(baseline.AuproAt(0.3).Value.Value).Within(1e-14));
            Assert.That(r.AuproAt(0.05).Value.Value, Is.EqualTo(baseline.AuproAt(0.05).Value.Value).Within(1e-14));
            Assert.That(r.Roc.Points, Is.EqualTo(baseline.Roc.Points));
            Assert.That(r.Pro!.Points.Count, Is.EqualTo(baseline.Pro!.Points.Count));
        }
    }

    [Test]
    public void LargeBucketsOfNearlyEqualScoresAreCountedExactly()
    {
        // 120x120 scores within [0.5, 0.5 + 2^-9): all share the top 16 key bits, so the bucket
        // is finished by counting rather than sorting; many exact ties as well.
        var rng = new Random(41);
        int h = 120, w = 120;
        var maps = new List<float[]>();
        var masks = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            var mask = new byte[h * w];
            for (var y = 30; y < 50 + 10 * i; y++)
                for (var x = 20; x < 45; x++) mask[y * w + x] = 1;
            var map = new float[h * w];
            for (var p = 0; p < map.Length; p++)
                map[p] = 0.5f + (float)(rng.Next(3000) + mask[p] * rng.Next(1500)) * (1f / (1 << 22));
            maps.Add(map);
            masks.Add(mask);
        }
        var r = PixelMetrics.Compute(PixelSet.FromImages(maps, masks, h, w), new PixelMetricsOptions { AuproLimits = [0.3, 0.05] });
        Assert.That(r.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc([.. maps.SelectMany(m => m)], [.. masks.SelectMany(m => m)])).Within(1e-12));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(ReferenceMetrics.Aupro(maps, masks, h, w, 0.3)).Within(1e-12));
        Assert.That(r.AuproAt(0.05).Value.Value, Is.EqualTo(ReferenceMetrics.Aupro(maps, masks, h, w, 0.05)).Within(1e-12));
    }

    [Test]
    public void NegativeScoresAndSignedZerosOrderCorrectly()
    {
        float[] map = [-3f, -0f, 0f, -1e-30f, 2f, -2f, 1e-30f, 0f];
        byte[] mask = [0, 1, 0, 0, 1, 0, 1, 0];
        var r = PixelMetrics.Compute(PixelSet.FromImages([map], [mask], 2, 4));
        Assert.That(r.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc(map, mask)).Within(1e-15));
        Assert.That(r.AuproAt(0.3).Value.Value, Is.EqualTo(ReferenceMetrics.Aupro([map], [mask], 2, 4, 0.3)).Within(1e-15));
    }

    [Test]
    public void CurvesAreDownsampledForPlottingAndKeepTheirEnds()
    {
        var set = SyntheticSets.Create(seed: 51, images: 20, height: 40, width: 40);
        var r = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 40, 40), new PixelMetricsOptions { CurveCells = 100 });
        foreach (var curve in new[] { r.Roc, r.Pro! })
        {
            Assert.That(curve.Downsampled, Is.True);
            Assert.That(curve.Points.Count, Is.InRange(50, 450));
            Assert.That((curve.Points[0].X, curve.Points[0].Y), Is.EqualTo((0.0, 0.0)));
            Assert.That(curve.Points[^1].X, Is.EqualTo(1.0));
            Assert.That(curve.Points[^1].Y, Is.EqualTo(1.0).Within(1e-12));
            for (var i = 1; i < curve.Points.Count; i++)
            {
                Assert.That(curve.Points[i].X, Is.GreaterThanOrEqualTo(curve.Points[i - 1].X));
                Assert.That(curve.Points[i].Threshold, Is.LessThan(curve.Points[i - 1].Threshold));
            }
        }
        Assert.That(r.PrecisionRecall.Points[^1].X, Is.EqualTo(1.0), "full recall at the lowest threshold");
        // No gap in the PRO curve wider than a cell below the integration limit.
        var below = r.Pro!.Points.Where(p => p.X <= 0.3).ToList();
        for (var i = 1; i < below.Count; i++)
            Assert.That(below[i].X - below[i - 1].X, Is.LessThanOrEqualTo(0.3 / 100 * 2 + 1e-12));
    }

    [Test]
    public void InvalidMapsAndMasksAreNamed()
    {
        var nan = Assert.Throws<ArgumentException>(() => PixelMetrics.Compute(
            PixelSet.FromImages([[0.1f, 0.2f, 0.3f, 0.4f], [0.1f, 0.2f, float.NaN, 0.4f]], [new byte[4], new byte[4]], 2, 2)))!;
        Assert.That(nan.Message, Does.Contain("maps[1] has NaN at pixel 2 (row 1, column 0)"));
        Assert.That(nan.ParamName, Is.EqualTo("maps"));

        var mask = Assert.Throws<ArgumentException>(() => PixelMetrics.Compute(
            PixelSet.FromImages([[0.1f, 0.2f, 0.3f, 0.4f]], [[0, 255, 0, 0]], 2, 2)))!;
        Assert.That(mask.Message, Does.Contain("masks[0] has value 255 at pixel 1"));
        Assert.That(mask.Message, Does.Contain("0 or 1"));

        var shapes = Assert.Throws<ArgumentException>(() => PixelSet.FromImages([[0.1f, 0.2f, 0.3f, 0.4f]], [[0, 1, 0]], 2, 2))!;
        Assert.That(shapes.Message, Does.Contain("masks[0] has 3 values"));

        var contiguous = Assert.Throws<ArgumentException>(() => PixelSet.FromContiguous(new float[12], new byte[8], 3, 2, 2))!;
        Assert.That(contiguous.ParamName, Is.EqualTo("masks"));
    }

    [Test]
    public void ContiguousBufferAndPerImageArraysAgree()
    {
        var set = SyntheticSets.Create(seed: 61, images: 7, height: 10, width: 13);
        var a = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 10, 13));
        var b = PixelMetrics.Compute(PixelSet.FromContiguous(set.FlatMaps, set.FlatMasks, 7, 10, 13));
        Assert.That(b.Auroc, Is.EqualTo(a.Auroc));
        Assert.That(b.AuproAt(0.3).Value.Value, Is.EqualTo(a.AuproAt(0.3).Value.Value).Within(1e-15));
    }

    [Test]
    public void AurocOnlyModeSkipsAupro()
    {
        var set = SyntheticSets.Create(seed: 71, images: 5, height: 10, width: 10);
        var r = PixelMetrics.Compute(PixelSet.FromImages(set.Maps, set.Masks, 10, 10), new PixelMetricsOptions { Aupro = AuproMode.None });
        Assert.That(r.Aupro, Is.Empty);
        Assert.That(r.Pro, Is.Null);
        Assert.That(r.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc(set.FlatMaps, set.FlatMasks)).Within(1e-12));
    }
}
