using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Cfa;

public class CfaReferenceNumbersTests
{
    [Test]
    public void TheThreeSettingsAverageToTheirMeansAndCfaPlusPlusIsTheirPerClassMaximum()
    {
        var entries = ReferenceNumbers.LoadAll()["cfa"].Entries.Where(e => e.Dataset == "mvtec").ToList();
        Assert.That(entries, Has.Count.EqualTo(3));
        Assert.That(entries.Select(e => (e.Fraction("image_auroc", "mean"), e.Fraction("pixel_auroc", "mean"))),
            Is.EqualTo(new (double?, double?)[] { (0.993, 0.982), (0.990, 0.985), (0.995, 0.985) }).Within(1e-9));
        foreach (var entry in entries)
        foreach (var (metric, values) in entry.Metrics)
        {
            var categories = values.Where(v => v.Key != "mean").Select(v => v.Value).ToList();
            Assert.That(categories, Has.Count.EqualTo(15), metric);
            // The README's means are rounded to 0.1; a typo in one category shows up here.
            Assert.That(categories.Average(), Is.EqualTo(values["mean"]).Within(0.06), metric);
        }
        var (crop, resize, plusPlus) = (entries[0], entries[1], entries[2]);
        foreach (var (metric, values) in plusPlus.Metrics)
        foreach (var (category, value) in values.Where(v => v.Key != "mean"))
            Assert.That(value, Is.EqualTo(Math.Max(crop.Metrics[metric][category], resize.Metrics[metric][category])), $"{metric} {category}");
    }
}
