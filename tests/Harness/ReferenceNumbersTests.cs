using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

public class ReferenceNumbersTests
{
    [Test]
    public void PatchCoresPerCategoryNumbersAverageToItsReportedMeans()
    {
        var files = ReferenceNumbers.LoadAll();
        var entry = files["patchcore"].Entries.Single(e => e.Dataset == "mvtec");
        Assert.That(entry.Fraction("image_auroc", "mean"), Is.EqualTo(0.9916).Within(1e-9));
        foreach (var (metric, values) in entry.Metrics)
        {
            var categories = values.Where(v => v.Key != "mean").Select(v => v.Value).ToList();
            Assert.That(categories, Has.Count.EqualTo(15), metric);
            // A typo in one category shows up here: the published mean is rounded to 0.01.
            Assert.That(categories.Average(), Is.EqualTo(values["mean"]).Within(0.006), metric);
        }
    }

    [Test]
    public void AnUnknownKeyInAReferenceFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ref-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "method: x\nsauce: paper\n");
        try
        {
            var error = Assert.Throws<ConfigException>(() => ReferenceNumbers.Load(path))!;
            Assert.That(error.Message, Does.Contain(":2:1").And.Contain("unknown key 'sauce'"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
