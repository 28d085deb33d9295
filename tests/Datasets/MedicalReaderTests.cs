using AnomalyBench.Datasets;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

public class MedicalReaderTests
{
    [Test]
    public void ReadsTheReContrastLayoutAsImageLevelOnly()
    {
        using var tree = new TempTree();
        tree.Png("train/NORMAL/a.png");
        tree.Png("train/NORMAL/b.png");
        tree.Png("test/NORMAL/c.png");
        tree.Png("test/ABNORMAL/d.png");
        tree.Png("test/ABNORMAL/e.png");
        var reader = MedicalFolderReader.Aptos(tree.Root);
        Assert.That(reader.Categories, Is.EqualTo(new[] { "aptos" }));
        var aptos = reader.Read("aptos");
        Assert.That(aptos.HasPixelMasks, Is.False);
        Assert.That(aptos.Train, Has.Count.EqualTo(2));
        Assert.That(aptos.Test.Select(s => (s.DefectType, s.Label)), Is.EqualTo(new[] { ("NORMAL", Label.Normal), ("ABNORMAL", Label.Anomalous), ("ABNORMAL", Label.Anomalous) }));
        Assert.That(aptos.Test.All(s => s.MaskPath is null));
    }

    [Test]
    public void Oct2017SkipsAbnormalTrainingFoldersAndReadsEveryTestClass()
    {
        using var tree = new TempTree();
        tree.Png("train/NORMAL/n1.jpeg");
        tree.Png("train/CNV/c1.jpeg");
        foreach (var cls in new[] { "CNV", "DME", "DRUSEN", "NORMAL" }) tree.Png($"test/{cls}/{cls}-1.jpeg");
        var oct = MedicalFolderReader.Oct2017(tree.Root).Read("oct2017");
        Assert.That(oct.Train, Has.Count.EqualTo(1));
        Assert.That(oct.Test.Select(s => s.DefectType), Is.EqualTo(new[] { "NORMAL", "CNV", "DME", "DRUSEN" }));
        Assert.That(oct.Warnings.Single().Path, Is.EqualTo(tree.Path("train", "CNV")));
        Assert.That(MedicalFolderReader.RetinalOct(tree.Root).Read("retinal-oct").Test, Has.Count.EqualTo(4));
    }

    [Test]
    public void AMissingAbnormalFolderSaysHowToBuildTheSet()
    {
        using var tree = new TempTree();
        tree.Png("train/NORMAL/a.png");
        tree.Png("test/NORMAL/c.png");
        var error = Assert.Throws<DatasetLayoutException>(() => MedicalFolderReader.Isic2018(tree.Root).Read("isic2018"))!;
        Assert.That(error.Message, Does.Contain(tree.Path("test", "ABNORMAL")).And.Contain("folder not found"));
        var missingRoot = Assert.Throws<DatasetLayoutException>(() => _ = MedicalFolderReader.Isic2018(tree.Path("no")).Categories)!;
        Assert.That(missingRoot.Message, Does.Contain("harness prepare isic2018"));
    }

    [Test]
    public void ReadsAMedIAnomalySetFromItsDataJson()
    {
        using var tree = new TempTree();
        foreach (var name in new[] { "a.png", "b.png", "c.png", "d.png" }) tree.Png($"RSNA/images/{name}");
        tree.Text("RSNA/data.json", """{"train": {"0": ["a.png", "b.png"]}, "test": {"0": ["c.png"], "1": ["d.png"]}}""");
        var reader = new MedIAnomalyReader(tree.Path("RSNA"));
        var rsna = reader.Read(reader.Categories.Single());
        Assert.That(rsna.Name, Is.EqualTo("RSNA"));
        Assert.That((rsna.Train.Count, rsna.NormalTestCount, rsna.AnomalousTestCount), Is.EqualTo((2, 1, 1)));
        tree.Text("RSNA/data.json", """{"train": {"0": ["a.png", "missing.png"]}, "test": {"0": ["c.png"], "1": ["d.png"]}}""");
        var error = Assert.Throws<DatasetLayoutException>(() => new MedIAnomalyReader(tree.Path("RSNA")).Read("RSNA"))!;
        Assert.That(error.Message, Does.Contain(tree.Path("RSNA", "images", "missing.png")));
    }

    [Test]
    public void EveryKindOpensAReader()
    {
        foreach (var kind in DatasetReaders.Kinds) Assert.That(DatasetReaders.Open(kind, "/tmp").Kind, Is.EqualTo(kind));
        var error = Assert.Throws<ArgumentException>(() => DatasetReaders.Open("imagenet", "/tmp"))!;
        Assert.That(error.Message, Does.Contain("mvtec").And.Contain("visa"));
    }
}
