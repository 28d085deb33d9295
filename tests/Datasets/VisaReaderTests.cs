using AnomalyBench.Datasets;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

public class VisaReaderTests
{
    private TempTree _tree = null!;

    /// <summary>A VisA tree for candle: 3 train normal, 1 test normal, 2 test anomalies whose masks hold a class id (3), not 255.</summary>
    [SetUp]
    public void Build()
    {
        _tree = new TempTree();
        var rows = new List<string> { "object,split,label,image,mask" };
        for (var i = 0; i < 4; i++)
        {
            _tree.Png($"candle/Data/Images/Normal/{i:D4}.png", 10, 6);
            rows.Add($"candle,{(i < 3 ? "train" : "test")},normal,candle/Data/Images/Normal/{i:D4}.png,");
        }
        for (var i = 0; i < 2; i++)
        {
            _tree.Png($"candle/Data/Images/Anomaly/{i:D3}.png", 10, 6);
            _tree.Mask($"candle/Data/Masks/Anomaly/{i:D3}.png", 10, 6, (1, 1, 4, 2), value: 3);
            rows.Add($"candle,test,anomaly,candle/Data/Images/Anomaly/{i:D3}.png,candle/Data/Masks/Anomaly/{i:D3}.png");
        }
        _tree.Text("split_csv/1cls.csv", string.Join("\n", rows) + "\n");
    }

    [TearDown]
    public void Remove() => _tree.Dispose();

    [Test]
    public void ReadsTheOneClassSplitFromTheCsv()
    {
        var reader = new VisaReader(_tree.Root);
        Assert.That(reader.Categories, Is.EqualTo(new[] { "candle" }));
        var candle = reader.Read("candle");
        Assert.That(candle.Train, Has.Count.EqualTo(3));
        Assert.That(candle.Test.Select(s => s.Label), Is.EqualTo(new[] { Label.Normal, Label.Anomalous, Label.Anomalous }));
        Assert.That(candle.Test.Select(s => s.DefectType), Is.EqualTo(new[] { "good", "bad", "bad" }));
        Assert.That(candle.Test[1].MaskPath, Is.EqualTo(_tree.Path("candle", "Data", "Masks", "Anomaly", "000.png")));
    }

    [Test]
    public void MasksHoldingClassIdsAreBinarisedAsValueAboveZero()
    {
        var sample = new VisaReader(_tree.Root).Read("candle").Test[1];
        using var prepared = new ImagePipeline(new Preprocessing(ImageSize: 6, ResizeMode: ResizeMode.ShorterSide)).Prepare(sample);
        var mask = prepared.Mask.data<byte>();
        Assert.That(mask.Distinct().Order(), Is.EqualTo(new byte[] { 0, 1 }));
        using var original = ImagePipeline.ReadMaskAtOriginalSize(sample);
        Assert.That(original.shape, Is.EqualTo(new long[] { 1, 6, 10 }));
        Assert.That(original.data<byte>().Count(v => v == 1), Is.EqualTo(8));
    }

    [Test]
    public void AMissingSplitFileSaysWhereToGetIt()
    {
        File.Delete(_tree.Path("split_csv", "1cls.csv"));
        var error = Assert.Throws<DatasetLayoutException>(() => _ = new VisaReader(_tree.Root).Categories)!;
        Assert.That(error.Message, Does.Contain(_tree.Path("split_csv", "1cls.csv")).And.Contain("spot-diff"));
    }

    [Test]
    public void AMissingColumnIsNamedWithTheHeaderFound()
    {
        _tree.Text("split_csv/1cls.csv", "object,split,image,mask\ncandle,train,a.png,\n");
        var error = Assert.Throws<DatasetLayoutException>(() => _ = new VisaReader(_tree.Root).Categories)!;
        Assert.That(error.Message, Does.Contain("label").And.Contain("object,split,image,mask"));
    }

    [Test]
    public void AMissingMaskNamesTheMaskTheImageAndTheCsvLine()
    {
        File.Delete(_tree.Path("candle", "Data", "Masks", "Anomaly", "001.png"));
        var error = Assert.Throws<DatasetLayoutException>(() => new VisaReader(_tree.Root).Read("candle"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("candle", "Data", "Masks", "Anomaly", "001.png"))
            .And.Contain(_tree.Path("candle", "Data", "Images", "Anomaly", "001.png")).And.Contain("1cls.csv:7"));
    }

    [Test]
    public void AMissingImageFolderIsReportedOnceNotPerFile()
    {
        Directory.Delete(_tree.Path("candle", "Data", "Images", "Normal"), recursive: true);
        var error = Assert.Throws<DatasetLayoutException>(() => new VisaReader(_tree.Root).Read("candle"))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("candle", "Data", "Images", "Normal")).And.Contain("folder not found"));
        Assert.That(error.Issues.Count(i => i.Message.Contains("image listed")), Is.Zero);
    }

    [Test]
    public void CountsAreComparedWithThePublishedSplit()
    {
        var inspection = new VisaReader(_tree.Root).Inspect();
        var text = string.Join("\n", inspection.Issues);
        Assert.That(text, Does.Contain("3 train / 1 normal test / 2 anomalous test images, the published 1cls split has 900 / 100 / 100"));
        Assert.That(text, Does.Contain("11 of the 12 VisA categories are missing"));
    }
}
