using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReContrast;

public class ReContrastReferenceNumbersTests
{
    /// <summary>The official logs' per-category values average to the logged means (0.01 rounding); a typo in one category shows.</summary>
    [Test]
    public void TheOfficialLogsPerCategoryValuesAverageToTheirMeans()
    {
        var file = ReferenceNumbers.LoadAll()["recontrast"];
        var mvtec = file.Entries.Single(e => e.Dataset == "mvtec");
        var visa = file.Entries.Single(e => e.Dataset == "visa");
        Assert.That(mvtec.Fraction("image_auroc", "mean"), Is.EqualTo(0.9945).Within(1e-9));
        Assert.That(mvtec.Fraction("aupro_per_image_0.3", "mean"), Is.EqualTo(0.952).Within(1e-9));
        Assert.That(visa.Fraction("image_auroc", "mean"), Is.EqualTo(0.975).Within(1e-9));
        foreach (var (entry, categories) in new[] { (mvtec, 15), (visa, 12) })
        foreach (var (metric, values) in entry.Metrics)
        {
            var perCategory = values.Where(v => v.Key != "mean").Select(v => v.Value).ToList();
            Assert.That(perCategory, Has.Count.EqualTo(categories), metric);
            Assert.That(perCategory.Average(), Is.EqualTo(values["mean"]).Within(0.006), $"{entry.Dataset} {metric}");
        }
        Assert.That(mvtec.Caveats, Does.Contain("per-image"));
        Assert.That(file.Entries.Select(e => e.Dataset), Is.EquivalentTo(new[] { "mvtec", "visa", "aptos", "oct2017", "isic2018" }));
        var rd4ad = ReferenceNumbers.LoadAll()["rd4ad"].Entries.Single();
        Assert.That(rd4ad.Fraction("image_auroc", "mean"), Is.EqualTo(0.985).Within(1e-9));
        Assert.That(rd4ad.Fraction("pixel_auroc", "mean"), Is.EqualTo(0.978).Within(1e-9));
    }
}
