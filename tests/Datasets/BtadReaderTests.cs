using AnomalyBench.Datasets;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

public class BtadReaderTests
{
    private TempTree _tree = null!;

    /// <summary>Product 01 with BMP images and PNG masks, product 02 with PNG images and masks.</summary>
    [SetUp]
    public void Build()
    {
        _tree = new TempTree();
        for (var i = 0; i < 2; i++)
        {
            _tree.Bmp($"01/train/ok/{i:D4}.bmp");
            _tree.Png($"02/train/ok/{i:D4}.png");
        }
        _tree.Bmp("01/test/ok/0000.bmp");
        _tree.Bmp("01/test/ko/0000.bmp");
        _tree.Bmp("01/test/ko/0001.bmp");
        _tree.Mask("01/ground_truth/ko/0000.png", value: 200);
        _tree.Mask("01/ground_truth/ko/0001.png", value: 200);
        _tree.Png("02/test/ok/0000.png");
        _tree.Png("02/test/ko/0000.png");
        _tree.Mask("02/ground_truth/ko/0000.png");
    }

    [TearDown]
    public void Remove() => _tree.Dispose();

    [Test]
    public void PairsImagesAndMasksOfDifferentExtensionsByName()
    {
        var reader = new BtadReader(_tree.Root);
        Assert.That(reader.Categories, Is.EqualTo(new[] { "01", "02" }));
        var product = reader.Read("01");
        Assert.That(product.Train, Has.Count.EqualTo(2));
        Assert.That(product.Test.Select(s => (s.DefectType, s.Label)), Is.EqualTo(new[] { ("ok", Label.Normal), ("ko", Label.Anomalous), ("ko", Label.Anomalous) }));
        Assert.That(product.Test[2].MaskPath, Is.EqualTo(_tree.Path("01", "ground_truth", "ko", "0001.png")));
        using var prepared = new ImagePipeline(new Preprocessing(8)).Prepare(product.Test[2]);
        Assert.That(prepared.Image.data<byte>().All(v => v == 100), "the BMP decodes");
        Assert.That(prepared.Mask.data<byte>().Count(v => v == 1), Is.EqualTo(9), "mask value 200 binarised to 1");
    }

    [Test]
    public void AMissingMaskIsAnErrorNamingTheImage()
    {
        File.Delete(_tree.Path("01", "ground_truth", "ko", "0001.png"));
        var error = Assert.Throws<DatasetLayoutException>(() => new BtadReader(_tree.Root).Read("01"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("01", "test", "ko", "0001.bmp")).And.Contain("mask not found"));
    }

    [Test]
    public void AMissingKoFolderIsNamed()
    {
        Directory.Delete(_tree.Path("02", "test", "ko"), recursive: true);
        var error = Assert.Throws<DatasetLayoutException>(() => new BtadReader(_tree.Root).Read("02"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("02", "test", "ko")).And.Contain("folder not found"));
    }
}
