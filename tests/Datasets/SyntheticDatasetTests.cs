using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Torch.torchvision.io;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Datasets;

public class SyntheticDatasetTests
{
    private TempTree _tree = null!;

    [SetUp]
    public void Build() => _tree = new TempTree("anomalybench-synthetic-");

    [TearDown]
    public void Remove() => _tree.Dispose();

    private static SyntheticOptions Small => new(Seed: 3, ImageSize: 48, TrainCount: 4, TestCount: 12);

    [Test]
    public void TheSameSeedGivesByteIdenticalFiles()
    {
        SyntheticDataset.Generate(_tree.Path("a"), Small);
        SyntheticDataset.Generate(_tree.Path("b"), Small);
        var a = Files(_tree.Path("a"));
        var b = Files(_tree.Path("b"));
        Assert.That(b.Keys, Is.EqualTo(a.Keys));
        Assert.That(a, Has.Count.EqualTo(5 * (4 + 12 + 7) + 1), "images, masks of the 7 defective images per category, and the manifest");
        foreach (var (name, bytes) in a) Assert.That(b[name], Is.EqualTo(bytes), name);
        SyntheticDataset.Generate(_tree.Path("c"), Small with { Seed = 4 });
        Assert.That(File.ReadAllBytes(_tree.Path("c", "washer", "train", "good", "000.png")), Is.Not.EqualTo(a[Path.Combine("washer", "train", "good", "000.png")]));
    }

    private static SortedDictionary<string, byte[]> Files(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes), StringComparer.Ordinal);

    [Test]
    public void TheMVTecReaderReadsItAndEveryDefectHasAnExactNonEmptyMask()
    {
        var root = _tree.Path("set");
        SyntheticDataset.Generate(root, Small);
        var reader = MVTecLayoutReader.MVTecAd(root);
        Assert.That(reader.Categories, Is.EquivalentTo(SyntheticDataset.CategoryNames));
        Assert.That(SyntheticDataset.TextureCategories, Has.Count.GreaterThanOrEqualTo(3));
        Assert.That(SyntheticDataset.ObjectCategories, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var name in reader.Categories)
        {
            var category = reader.Read(name);
            Assert.That(category.Train, Has.Count.EqualTo(4));
            Assert.That(category.Test, Has.Count.EqualTo(12));
            Assert.That(category.NormalTestCount, Is.EqualTo(5));
            var defects = category.Test.Where(s => s.IsAnomalous).Select(s => s.DefectType).Distinct().ToList();
            Assert.That(defects, Is.EquivalentTo(SyntheticDataset.DefectTypes(name)));
            Assert.That(defects, Has.Count.GreaterThanOrEqualTo(4));
            foreach (var sample in category.Test.Where(s => s.IsAnomalous))
            {
                using var mask = read_image(sample.MaskPath!);
                var (width, height, _) = image_size(sample.ImagePath);
                Assert.That(mask.shape, Is.EqualTo(new long[] { 1, height, width }), sample.MaskPath);
                var values = mask.data<byte>();
                Assert.That(values.All(v => v is 0 or 255), sample.MaskPath);
                Assert.That(values.Count(v => v == 255), Is.GreaterThanOrEqualTo(4), $"{sample.MaskPath} is empty");
                Assert.That(values.Count(v => v == 255), Is.LessThan(values.Length / 4), $"{sample.MaskPath} covers most of the image");
            }
        }
    }

    /// <summary>
    /// The objects must not be separable by a per-pixel difference to the mean training image
    /// (max over pixels and channels of |x − mean|): the pose and lighting variation hide the
    /// defects from it. A scorer that models the normal patches (nearest neighbour among the
    /// training images' raw 4x4 patches) must do clearly better, or the defects would be invisible.
    /// </summary>
    [Test]
    public void ANaivePixelScorerCannotSeparateTheObjectsButAPatchModelCan()
    {
        var root = _tree.Path("objects");
        var options = new SyntheticOptions(Seed: 0, ImageSize: 64, TrainCount: 20, TestCount: 40, Categories: SyntheticDataset.ObjectCategories);
        SyntheticDataset.Generate(root, options);
        var pipeline = new ImagePipeline(new Preprocessing(64, Normalization: Normalization.None));
        foreach (var name in SyntheticDataset.ObjectCategories)
        {
            using var scope = torch.NewDisposeScope();
            var category = MVTecLayoutReader.Synthetic(root).Read(name);
            var train = Stack(pipeline, category.Train);
            var test = Stack(pipeline, category.Test);
            var anomalous = category.Test.Select(s => s.IsAnomalous).ToList();

            var mean = train.mean(0, keepdim: true);
            var naiveScores = (test - mean).abs().flatten(1).amax([1]);
            var naive = Auroc.Of(naiveScores.data<float>().Select(v => (double)v).ToList(), anomalous);

            var bank = Patches(train).reshape(1, -1, 48);
            var queries = Patches(test);
            var patchScores = new List<double>();
            for (var i = 0; i < category.Test.Count; i++)
            {
                var nearest = torch.cdist(queries.narrow(0, i, 1), bank).amin([2]);
                patchScores.Add(nearest.max().item<float>());
            }
            var patch = Auroc.Of(patchScores, anomalous);

            TestContext.Out.WriteLine($"{name}: naive I-AUROC {naive:F3}, patch nearest-neighbour I-AUROC {patch:F3}");
            Assert.That(naive, Is.LessThan(0.75), $"{name}: the naive scorer separates the defects");
            Assert.That(patch, Is.GreaterThan(naive + 0.15), $"{name}: the defects are not visible to a patch model");
        }
    }

    private static Tensor Stack(ImagePipeline pipeline, IReadOnlyList<Sample> samples)
    {
        var images = samples.Select(s => pipeline.LoadImage(s.ImagePath)).ToArray();
        try
        {
            return torch.stack(images);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    /// <summary>4x4 patches at stride 2 of [N,3,S,S] as [N, L, 48] (small enough to be nearly rotation invariant).</summary>
    private static Tensor Patches(Tensor images)
    {
        using var columns = F.unfold(images, 4, stride: 2);
        return columns.transpose(1, 2).contiguous();
    }

    [Test]
    public void OneSmallCategoryIsCheapToGenerate()
    {
        var watch = Stopwatch.StartNew();
        SyntheticDataset.Generate(_tree.Path("quick"), new SyntheticOptions(Seed: 1, ImageSize: 96, TrainCount: 20, TestCount: 20, Categories: ["washer"]));
        watch.Stop();
        TestContext.Out.WriteLine($"one 96 px category of 20 + 20 images: {watch.ElapsedMilliseconds} ms");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void EnsureGeneratedReusesACompleteSetAndNeverLeavesAPartialOne()
    {
        var options = new SyntheticOptions(Seed: 2, ImageSize: 40, TrainCount: 2, TestCount: 6, Categories: ["tile"]);
        var root = SyntheticDataset.EnsureGenerated(options, _tree.Root);
        Assert.That(Path.GetFileName(root), Is.EqualTo(options.FolderName));
        Assert.That(File.Exists(Path.Combine(root, SyntheticDataset.ManifestName)));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(root, "tile", "train", "good", "000.png"));
        Assert.That(SyntheticDataset.EnsureGenerated(options, _tree.Root), Is.EqualTo(root));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(root, "tile", "train", "good", "000.png")), Is.EqualTo(stamp), "not generated again");
        Assert.That(Directory.EnumerateDirectories(_tree.Root).Select(Path.GetFileName), Is.EqualTo(new[] { options.FolderName }), "no temporary folder left");

        // A folder without the manifest (an interrupted copy, say) is not taken for a complete set.
        var other = options with { Seed = 5 };
        Directory.CreateDirectory(Path.Combine(_tree.Root, other.FolderName, "tile"));
        var error = Assert.Throws<IOException>(() => SyntheticDataset.EnsureGenerated(other, _tree.Root))!;
        Assert.That(error.Message, Does.Contain(other.FolderName).And.Contain(SyntheticDataset.ManifestName));
        Assert.Throws<IOException>(() => SyntheticDataset.Generate(root, options));
    }

    [Test]
    public void InvalidOptionsNameTheField()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => SyntheticDataset.Generate(_tree.Path("x"), new SyntheticOptions(Categories: ["marble"])))!.Message,
            Does.Contain("marble").And.Contain("washer"));
        Assert.That(Assert.Throws<ArgumentException>(() => SyntheticDataset.Generate(_tree.Path("x"), new SyntheticOptions(TestCount: 3)))!.Message,
            Does.Contain("test_count"));
        Assert.That(Directory.Exists(_tree.Path("x")), Is.False);
    }
}
