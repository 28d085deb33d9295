using AnomalyBench.Harness;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

public class DatasetsCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => AnomalyBench.Tests.Harness.CliRun.Run(args);

    [Test]
    public void ListsCategoriesCountsAndDefectTypes()
    {
        var (code, output, _) = Run("datasets", Shared.Path("datasets", "hazelnut_toy"), "--kind", "mvtec", "--verify");
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("hazelnut").And.Contain("28").And.Contain("good 6, colour 17"));
        Assert.That(output, Does.Contain("14 of the 15 MVTec AD categories are missing"));
    }

    [Test]
    public void WarnsWhenTheFullSetDiffersFromThePublishedCounts()
    {
        using var tree = new TempTree();
        foreach (var name in AnomalyBench.Datasets.MVTecAd.Categories) tree.MVTecCategory(name);
        var (code, output, _) = Run("datasets", tree.Root);
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("total").And.Contain("published MVTec AD has 3629").And.Contain("published MVTec AD has 1725"));
    }

    [Test]
    public void LayoutErrorsAreListedAndFailTheCommand()
    {
        using var tree = new TempTree();
        tree.MVTecCategory("screw");
        File.Delete(tree.Path("screw", "ground_truth", "broken", "000_mask.png"));
        var (code, output, error) = Run("datasets", tree.Root, "--kind", "mvtec");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("error:").And.Contain(tree.Path("screw", "ground_truth", "broken", "000_mask.png")));
        Assert.That(error, Does.Contain("1 error(s)"));
    }

    [Test]
    public void AnUnknownKindIsRejectedWithTheValidOnes()
    {
        var (code, _, error) = Run("datasets", "/tmp", "--kind", "imagenet");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("imagenet"));
    }

    [Test]
    public void PrepareOct2017WritesTheLayoutAndItsCounts()
    {
        using var tree = new TempTree();
        tree.Png("raw/train/NORMAL/n.jpeg");
        foreach (var cls in new[] { "CNV", "DME", "DRUSEN", "NORMAL" }) tree.Png($"raw/test/{cls}/{cls}.jpeg");
        var (code, output, _) = Run("prepare", "oct2017", tree.Path("raw"), tree.Path("OCT2017"));
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("5 images written").And.Contain("test/DRUSEN"));
        var (again, _, error) = Run("prepare", "oct2017", tree.Path("raw"), tree.Path("OCT2017"));
        Assert.That(again, Is.EqualTo(2));
        Assert.That(error, Does.Contain("already exists"));
    }
}
