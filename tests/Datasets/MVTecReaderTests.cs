using AnomalyBench.Datasets;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

public class MVTecReaderTests
{
    private TempTree _tree = null!;

    [SetUp]
    public void Build()
    {
        _tree = new TempTree();
        _tree.MVTecCategory("bottle");
    }

    [TearDown]
    public void Remove() => _tree.Dispose();

    [Test]
    public void ReadsATinyTreeWithMasksPairedByName()
    {
        var category = MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle");
        Assert.That(category.Train, Has.Count.EqualTo(3));
        Assert.That(category.Train.All(s => s is { Label: Label.Normal, MaskPath: null, DefectType: "good", Category: "bottle" }));
        Assert.That(category.Test.Select(s => s.DefectType), Is.EqualTo(new[] { "good", "good", "broken", "broken" }), "good first, then defect types");
        var broken = category.Test.Where(s => s.IsAnomalous).ToList();
        Assert.That(broken.Select(s => Path.GetFileName(s.MaskPath)), Is.EqualTo(new[] { "000_mask.png", "001_mask.png" }));
        Assert.That(broken.Select(s => Path.GetFileName(s.ImagePath)), Is.EqualTo(new[] { "000.png", "001.png" }));
        Assert.That(category.HasPixelMasks, Is.True);
        Assert.That(category.CountsByDefectType(Split.Test), Is.EqualTo(new[] { ("good", 2), ("broken", 2) }));
    }

    [Test]
    public void ReadsTheRealHazelnutToySetOfJpegs()
    {
        var reader = MVTecLayoutReader.MVTecAd(Shared.Path("datasets", "hazelnut_toy"));
        Assert.That(reader.Categories, Is.EqualTo(new[] { "hazelnut" }));
        var category = reader.Read("hazelnut");
        Assert.That(category.Train, Has.Count.EqualTo(28));
        Assert.That(category.Test.Count(s => s.DefectType == "good"), Is.EqualTo(6));
        Assert.That(category.Test.Count(s => s.DefectType == "colour"), Is.EqualTo(17));
        Assert.That(category.Train.Concat(category.Test).All(s => s.ImagePath.EndsWith(".jpg", StringComparison.Ordinal)));
        Assert.That(category.Test.Where(s => s.IsAnomalous).All(s => File.Exists(s.MaskPath)));
        Assert.That(category.Warnings, Is.Empty);
    }

    [Test]
    public void AMissingFolderIsNamedWithWhatItShouldHold()
    {
        Directory.Delete(_tree.Path("bottle", "train", "good"), recursive: true);
        var error = Assert.Throws<DatasetLayoutException>(() => MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("bottle", "train", "good")).And.Contain("folder not found").And.Contain("normal training images"));
    }

    [Test]
    public void AMissingMaskNamesTheExpectedMaskAndItsImage()
    {
        File.Delete(_tree.Path("bottle", "ground_truth", "broken", "001_mask.png"));
        var error = Assert.Throws<DatasetLayoutException>(() => MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("bottle", "ground_truth", "broken", "001_mask.png"))
            .And.Contain("mask not found").And.Contain(_tree.Path("bottle", "test", "broken", "001.png")));
        Assert.That(error.Issues.Count(i => i.IsError), Is.EqualTo(1));
    }

    [Test]
    public void AMaskOfTheWrongSizeIsRejectedNamingBothFiles()
    {
        var mask = _tree.Mask("bottle/ground_truth/broken/000_mask.png", width: 8, height: 6, box: (1, 1, 2, 2));
        var image = _tree.Path("bottle", "test", "broken", "000.png");
        var sample = MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle").Test.Single(s => s.ImagePath == image);
        var error = Assert.Throws<InvalidDataException>(() => new ImagePipeline(new Preprocessing(4)).Prepare(sample).Dispose())!;
        Assert.That(error.Message, Does.Contain(mask).And.Contain(image).And.Contain("8x6").And.Contain("8x8"));
        var issues = DatasetVerifier.Verify(MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle"));
        Assert.That(issues.Single().Path, Is.EqualTo(mask));
        Assert.That(issues.Single().Message, Does.Contain(image));
    }

    [Test]
    public void ACorruptPngNamesTheFile()
    {
        var path = _tree.Bytes("bottle/test/broken/000.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3]);
        var category = MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle");
        var sample = category.Test.Single(s => s.ImagePath == path);
        var error = Assert.Throws<InvalidDataException>(() => new ImagePipeline(new Preprocessing(4)).Prepare(sample).Dispose())!;
        Assert.That(error.Message, Does.Contain(path).And.Contain("corrupt"));
        var issue = DatasetVerifier.Verify(category).Single();
        Assert.That((issue.Path, issue.IsError), Is.EqualTo((path, true)));
    }

    [Test]
    public void AnUnknownCategoryListsThoseThatExist()
    {
        var error = Assert.Throws<DatasetLayoutException>(() => MVTecLayoutReader.MVTecAd(_tree.Root).Read("cable"))!;
        Assert.That(error.Message, Does.Contain("'cable' not found").And.Contain("bottle").And.Contain(_tree.Path("cable")));
    }

    [Test]
    public void AMissingRootSaysWhatTheRootShouldHold()
    {
        var missing = _tree.Path("nothing-here");
        var error = Assert.Throws<DatasetLayoutException>(() => _ = MVTecLayoutReader.MVTecAd(missing).Categories)!;
        Assert.That(error.Message, Does.Contain(missing).And.Contain("folder not found").And.Contain("train/good"));
    }

    [Test]
    public void UnexpectedFoldersAndFilesAreWarnedAboutAndIgnored()
    {
        _tree.Mask("bottle/ground_truth/good/000_mask.png");
        _tree.Png("bottle/train/bad/000.png");
        _tree.Text("bottle/test/broken/notes.txt", "x");
        _tree.Mask("bottle/ground_truth/broken/007_mask.png");
        var category = MVTecLayoutReader.MVTecAd(_tree.Root).Read("bottle");
        Assert.That(category.Train, Has.Count.EqualTo(3));
        Assert.That(category.Test, Has.Count.EqualTo(4));
        var warnings = string.Join("\n", category.Warnings);
        Assert.That(warnings, Does.Contain(_tree.Path("bottle", "ground_truth", "good")).And.Contain("good test images have no masks"));
        Assert.That(warnings, Does.Contain(_tree.Path("bottle", "train", "bad")));
        Assert.That(warnings, Does.Contain(_tree.Path("bottle", "test", "broken", "notes.txt")).And.Contain("not an image"));
        Assert.That(warnings, Does.Contain(_tree.Path("bottle", "ground_truth", "broken", "007_mask.png")).And.Contain("no test image"));
    }

    [Test]
    public void TheFullSetWithWrongCountsIsComparedWithThePublishedOnes()
    {
        foreach (var name in MVTecAd.Categories.Where(c => c != "bottle")) _tree.MVTecCategory(name);
        var inspection = MVTecLayoutReader.MVTecAd(_tree.Root).Inspect();
        Assert.That(inspection.Categories, Has.Count.EqualTo(15));
        Assert.That(inspection.TrainCount, Is.EqualTo(45));
        var text = string.Join("\n", inspection.Issues);
        Assert.That(text, Does.Contain("45 training images, the published MVTec AD has 3629"));
        Assert.That(text, Does.Contain("60 test images, the published MVTec AD has 1725"));
        Assert.That(inspection.HasErrors, Is.False);
    }

    [Test]
    public void AFolderSetWithoutGroundTruthIsImageLevelOnly()
    {
        using var user = new TempTree();
        user.Png("parts/train/good/a.png");
        user.Png("parts/test/good/b.png");
        user.Png("parts/test/dent/c.png");
        var category = MVTecLayoutReader.Folder(user.Root).Read("parts");
        Assert.That(category.HasPixelMasks, Is.False);
        Assert.That(category.Test.Single(s => s.IsAnomalous).MaskPath, Is.Null);
        Assert.That(category.Warnings.Single().Message, Does.Contain("pixel metrics are not applicable"));
        // A root that is itself a category.
        var single = MVTecLayoutReader.Folder(user.Path("parts"));
        Assert.That(single.Categories, Is.EqualTo(new[] { "parts" }));
        Assert.That(single.Read("parts").Train, Has.Count.EqualTo(1));
    }
}
