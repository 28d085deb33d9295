using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Fyd;

public class FydReferenceNumbersTests
{
    [Test]
    public void ThePapersNumbersAreRecordedAndMarkedAsAReImplementation()
    {
        var file = ReferenceNumbers.LoadAll()["fyd"];
        Assert.That(file.Title, Does.Contain("re-implemented from the paper's description; no official code"));
        Assert.That(file.Protocol[0], Does.StartWith("Re-implemented from the paper's description; no official code"), "report footers carry the protocol notes");
        var mvtec = file.Entries.Single(e => e.Dataset == "mvtec");
        Assert.That((mvtec.Fraction("image_auroc", "mean"), mvtec.Fraction("pixel_auroc", "mean")), Is.EqualTo(((double?)0.977, (double?)0.982)).Within(1e-12));
        var btad = file.Entries.Single(e => e.Dataset == "btad");
        Assert.That((btad.Fraction("image_auroc", "01"), btad.Fraction("pixel_auroc", "01")), Is.EqualTo(((double?)0.996, (double?)0.961)).Within(1e-12));
        Assert.That(file.Entries.All(e => e.Setting["implementation"].Contains("no official code")), Is.True);
    }
}
