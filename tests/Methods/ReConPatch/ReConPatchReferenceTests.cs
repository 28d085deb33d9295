using AnomalyBench.Harness.Config;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReConPatch;

public class ReConPatchReferenceTests
{
    [Test]
    public void ThePapersReportedMeansAreReadable()
    {
        var file = ReferenceNumbers.LoadAll()["reconpatch"];
        var mvtec = file.Entries.Where(e => e.Dataset == "mvtec").ToList();
        Assert.That(mvtec.Select(e => e.Fraction("image_auroc", "mean")!.Value), Is.EqualTo(new[] { 0.9956, 0.9962, 0.9967, 0.9972 }).Within(1e-9));
        Assert.That(mvtec[0].Fraction("pixel_auroc", "mean"), Is.Null, "the single WRN-50 P-AUROC is not published");
        Assert.That(mvtec.Skip(1).Select(e => e.Fraction("pixel_auroc", "mean")!.Value), Is.EqualTo(new[] { 0.9853, 0.9836, 0.9867 }).Within(1e-9));
        var btad = file.Entries.Single(e => e.Dataset == "btad");
        Assert.That(btad.Fraction("image_auroc", "mean"), Is.EqualTo(0.958).Within(1e-9));
        Assert.That(btad.Fraction("pixel_auroc", "mean"), Is.EqualTo(0.975).Within(1e-9));
    }
}
