using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Tests.Datasets;

public class PreparationTests
{
    private TempTree _tree = null!;

    [SetUp]
    public void Build() => _tree = new TempTree("anomalybench-prepare-");

    [TearDown]
    public void Remove() => _tree.Dispose();

    /// <summary>A dark photograph 50 wide, 40 high, with a bright block at rows 10–29, columns 5–34, and a small bright speck.</summary>
    private string Fundus(string relative)
    {
        var (h, w) = (40, 50);
        var pixels = new byte[3 * h * w];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 10; y < 30; y++)
                for (var x = 5; x < 35; x++) pixels[c * h * w + y * w + x] = 200;
            pixels[c * h * w + 2 * w + 45] = 250;
            pixels[c * h * w + 2 * w + 46] = 250;
        }
        var path = _tree.Path(relative);
        using var image = torch.from_array(pixels, [3, h, w]);
        write_png(image, path);
        return path;
    }

    [Test]
    public void TheFundusCropBoxFollowsReContrastsArithmetic()
    {
        using var image = read_image(Fundus("f.png"));
        // Largest region: 20 rows x 30 columns, centroid (19.5, 19.5); side 30; corners int16(19.5 ∓ 15) = 4, 34; margin 5.
        var box = FundusCrop.FindBox(image.data<byte>(), 40, 50);
        Assert.That(box, Is.EqualTo(new FundusCrop.Box(-1, -1, 39, 39)));
        using var cropped = FundusCrop.Apply(image);
        Assert.That(cropped.shape, Is.EqualTo(new long[] { 3, 512, 512 }));
        var values = cropped.data<byte>();
        Assert.That(values[0], Is.Zero, "row −1 lies outside the image: zero-filled");
        Assert.That(values[256 * 512 + 256], Is.EqualTo(200), "the centre is the bright region");
    }

    [Test]
    public void AptosSplitsWithPythonsSeededShuffleAndCropsTo512()
    {
        // Rows in file order: normal a, abnormal b, normal c, normal d, abnormal e, normal f.
        var rows = new[] { ("a", 0), ("b", 2), ("c", 0), ("d", 0), ("e", 4), ("f", 0) };
        _tree.Text("raw/train.csv", "id_code,diagnosis\n" + string.Join("\n", rows.Select(r => $"{r.Item1},{r.Item2}")) + "\n");
        foreach (var (id, _) in rows) Fundus($"raw/train_images/{id}.png");

        // random.seed(1); random.shuffle([a, c, d, f]) gives indices [3, 0, 2, 1] = [f, a, d, c].
        var (train, testNormal, testAbnormal) = AptosPreparation.Split(_tree.Path("raw"), trainNormalCount: 2);
        Assert.That(train.Select(Path.GetFileNameWithoutExtension), Is.EqualTo(new[] { "f", "a" }));
        Assert.That(testNormal.Select(Path.GetFileNameWithoutExtension), Is.EqualTo(new[] { "d", "c" }));
        Assert.That(testAbnormal.Select(Path.GetFileNameWithoutExtension), Is.EqualTo(new[] { "b", "e" }));

        var report = AptosPreparation.Prepare(_tree.Path("raw"), _tree.Path("APTOS"));
        Assert.That(report.Counts, Is.EqualTo(new[] { ("train/NORMAL", 4), ("test/NORMAL", 0), ("test/ABNORMAL", 2) }));
        Assert.That(image_size(_tree.Path("APTOS", "train", "NORMAL", "a.png")), Is.EqualTo((512, 512, 3)));
        var aptos = MedicalFolderReader.Aptos(_tree.Path("APTOS")).Inspect();
        Assert.That(aptos.Categories.Single().Train, Has.Count.EqualTo(4));
        Assert.That(Directory.EnumerateDirectories(_tree.Root).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "APTOS", "raw" }), "no partial folder left");
    }

    [Test]
    public void AnExistingOutputFolderIsRefused()
    {
        _tree.Text("raw/train.csv", "id_code,diagnosis\na,0\n");
        Fundus("raw/train_images/a.png");
        Directory.CreateDirectory(_tree.Path("out"));
        var error = Assert.Throws<IOException>(() => AptosPreparation.Prepare(_tree.Path("raw"), _tree.Path("out")))!;
        Assert.That(error.Message, Does.Contain(_tree.Path("out")).And.Contain("already exists"));
    }

    [Test]
    public void AptosWithoutItsCsvSaysWhatRawDirMustHold()
    {
        var error = Assert.Throws<FileNotFoundException>(() => AptosPreparation.Prepare(_tree.Root, _tree.Path("out")))!;
        Assert.That(error.Message, Does.Contain("train.csv").And.Contain("train_images"));
    }

    [Test]
    public void IsicTakesNevusAsNormalTrainingFromTrainingAndTestFromValidation()
    {
        _tree.Text($"raw/{Isic2018Preparation.TrainingCsv}",
            "image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_1,0.0,1.0,0.0,0.0,0.0,0.0,0.0\nISIC_2,1.0,0.0,0.0,0.0,0.0,0.0,0.0\nISIC_3,0.0,1.0,0.0,0.0,0.0,0.0,0.0\n");
        _tree.Text($"raw/{Isic2018Preparation.ValidationCsv}",
            "image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_7,0.0,1.0,0.0,0.0,0.0,0.0,0.0\nISIC_8,0.0,0.0,0.0,0.0,0.0,1.0,0.0\n");
        foreach (var id in new[] { 1, 2, 3 }) _tree.Bytes($"raw/{Isic2018Preparation.TrainingInput}/ISIC_{id}.jpg", [0xFF, 0xD8, (byte)id]);
        foreach (var id in new[] { 7, 8 }) _tree.Bytes($"raw/{Isic2018Preparation.ValidationInput}/ISIC_{id}.jpg", [0xFF, 0xD8, (byte)id]);
        var report = Isic2018Preparation.Prepare(_tree.Path("raw"), _tree.Path("ISIC2018"));
        Assert.That(report.Counts, Is.EqualTo(new[] { ("train/NORMAL", 2), ("test/ABNORMAL", 1), ("test/NORMAL", 1) }));
        Assert.That(File.ReadAllBytes(_tree.Path("ISIC2018", "test", "ABNORMAL", "ISIC_8.jpg")), Is.EqualTo(new byte[] { 0xFF, 0xD8, 8 }), "copied byte for byte");
        Assert.That(File.Exists(_tree.Path("ISIC2018", "train", "NORMAL", "ISIC_3.jpg")));
    }

    [Test]
    public void OctCopiesNormalTrainingImagesAndEveryTestClass()
    {
        _tree.Png("raw/CellData/OCT/train/NORMAL/NORMAL-1.jpeg");
        _tree.Png("raw/CellData/OCT/train/CNV/CNV-1.jpeg");
        foreach (var cls in Oct2017Preparation.Classes) _tree.Png($"raw/CellData/OCT/test/{cls}/{cls}-9.jpeg");
        var report = Oct2017Preparation.Prepare(_tree.Path("raw"), _tree.Path("OCT2017"));
        Assert.That(report.Total, Is.EqualTo(5));
        Assert.That(Directory.Exists(_tree.Path("OCT2017", "train", "CNV")), Is.False);
        var oct = MedicalFolderReader.Oct2017(_tree.Path("OCT2017")).Read("oct2017");
        Assert.That((oct.Train.Count, oct.NormalTestCount, oct.AnomalousTestCount), Is.EqualTo((1, 1, 3)));
    }
}
