using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Ssm;

public class SsmReferenceNumbersTests
{
    [Test]
    public void RetinalOctIsTheComparableNumberAndMVTecIsRecordedAsNotCompared()
    {
        var file = ReferenceNumbers.LoadAll()["ssm"];
        var oct = file.Entries.Single(e => e.Dataset == "retinal_oct");
        Assert.That(oct.Fraction("image_auroc", "mean"), Is.EqualTo(0.983).Within(1e-9));
        Assert.That(oct.Caveats, Does.Contain("test set"));
        var mvtec = file.Entries.Single(e => e.Dataset == "mvtec");
        // Neither image_auroc nor pixel_auroc: a table that compares by metric finds nothing to compare.
        Assert.That(mvtec.Metrics.Keys, Is.EquivalentTo(new[] { "unspecified_auroc" }));
        Assert.That(mvtec.Fraction("unspecified_auroc", "mean"), Is.EqualTo(0.939).Within(1e-9));
        Assert.That(mvtec.Caveats, Does.Contain("Metric not stated (image or pixel level), not compared"));
    }
}
