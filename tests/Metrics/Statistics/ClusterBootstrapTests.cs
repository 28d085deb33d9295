using AnomalyBench.Metrics;
using AnomalyBench.Metrics.Statistics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics.Statistics;

/// <summary>The pixel-AUROC cluster bootstrap: its estimate is the exact P-AUROC, its interval holds it and is reproducible by seed.</summary>
public class ClusterBootstrapTests
{
    [Test]
    public void TheEstimateIsTheExactPixelAurocAndTheIntervalHoldsIt()
    {
        var set = SyntheticSets.Create(seed: 5, images: 12, height: 16, width: 16, levels: 20);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 16, 16);
        var exact = PixelMetrics.Compute(pixels).Auroc.Value;
        var interval = ClusterBootstrap.PixelAuroc(pixels, replicates: 400, seed: 3);
        Assert.That(interval.Estimate, Is.EqualTo(exact).Within(1e-12), "ties count ½, as in scikit-learn");
        Assert.That(interval.Lower, Is.LessThan(interval.Estimate));
        Assert.That(interval.Upper, Is.GreaterThan(interval.Estimate));
        Assert.That(interval.Replicates + interval.Skipped, Is.EqualTo(400));
        Assert.That(interval.Level, Is.EqualTo(0.95));
    }

    [Test]
    public void TheIntervalIsReproducibleBySeed()
    {
        var set = SyntheticSets.Create(seed: 6, images: 10, height: 12, width: 12);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 12, 12);
        var a = ClusterBootstrap.PixelAuroc(pixels, replicates: 200, seed: 11);
        var b = ClusterBootstrap.PixelAuroc(pixels, replicates: 200, seed: 11);
        var c = ClusterBootstrap.PixelAuroc(pixels, replicates: 200, seed: 12);
        Assert.That(b, Is.EqualTo(a));
        Assert.That((c.Lower, c.Upper), Is.Not.EqualTo((a.Lower, a.Upper)));
    }

    [Test]
    public void ResamplingUnitsAreImagesNotPixels()
    {
        // Two anomalous images that a method scores perfectly and badly: an image-level resampling gives a wide
        // interval; independent pixels would make it narrow. One perfect image alone is AUROC 1, which a replicate
        // that drew only it (and the normal image) must reach.
        var perfect = (Map: new float[] { 0.9f, 0.9f, 0.1f, 0.1f }, Mask: new byte[] { 1, 1, 0, 0 });
        var inverted = (Map: new float[] { 0.1f, 0.1f, 0.9f, 0.9f }, Mask: new byte[] { 1, 1, 0, 0 });
        var normal = (Map: new float[] { 0.2f, 0.3f, 0.4f, 0.5f }, Mask: new byte[] { 0, 0, 0, 0 });
        var images = new[] { perfect, inverted, normal }.Select(i => new PixelImage(i.Map, i.Mask, 2, 2)).ToList();
        var interval = ClusterBootstrap.PixelAuroc(new PixelSet(images), replicates: 500, seed: 1);
        Assert.That(interval.Upper, Is.EqualTo(1).Within(1e-12));
        Assert.That(interval.Lower, Is.LessThan(0.2));
    }

    [Test]
    public void BadArgumentsAreClearErrors()
    {
        var set = SyntheticSets.Create(seed: 6, images: 4, height: 8, width: 8);
        var pixels = PixelSet.FromImages(set.Maps, set.Masks, 8, 8);
        Assert.That(() => ClusterBootstrap.PixelAuroc(pixels, replicates: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        var clean = new PixelSet([new PixelImage(new float[] { 1, 2 }, new byte[] { 0, 0 }, 1, 2)]);
        Assert.That(() => ClusterBootstrap.PixelAuroc(clean), Throws.ArgumentException.With.Message.Contains("no anomalous or no normal"));
    }
}
