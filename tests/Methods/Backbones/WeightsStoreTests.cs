using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>The weights store: file names, verification, provenance, and the messages a user acts on.</summary>
public class BackboneWeightsStoreTests
{
    private TempWeightsFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempWeightsFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    private WeightsStore Store => new(_folder.Root);

    [Test]
    public void LegacyFloat16FileLoadsThroughTheStore()
    {
        // Saved like torchvision's wide_resnet50_2-95faca4d.pth: legacy (non-zip) format, float16.
        var file = _folder.Copy("wide_bottleneck_111.legacy_f16.pth", "wide_bottleneck_111.pth");
        using var net = BackboneFixtures.WideBottleneckNet();
        var provenance = Store.Load(net, "wide_bottleneck_111");
        Assert.That(provenance.File, Is.EqualTo(file));
        Assert.That(provenance.Sha256, Has.Length.EqualTo(64));
        Assert.That(net.provenance, Is.EqualTo(provenance));
        Assert.That(provenance.ToString(), Does.StartWith("wide_bottleneck_111: wide_bottleneck_111.pth (sha256 "));

        net.eval();
        using var io = BackboneFixtures.Load("wide_bottleneck_111.io.safetensors");
        using var noGrad = torch.no_grad();
        using var maps = net.forward_stages(io["input"], ["layer3"]);
        var relative = BackboneFixtures.RelativeError(maps["layer3"], io["layer3"]);
        TestContext.Out.WriteLine($"layer3 relative error from float16 weights: {relative:E2} (PyTorch: 8e-4)");
        Assert.That(relative, Is.LessThan(1e-2));
    }

    [Test]
    public void AcceptedNamesAreSearchedInOrder()
    {
        Assert.That(WeightsStore.AcceptedFileNames("resnet18"),
            Is.EqualTo(new[] { "resnet18-f37072fd.pth", "resnet18.pth", "resnet18.safetensors", "resnet18/model.safetensors" }));
        Assert.That(WeightsStore.AcceptedFileNames("my_net"), Is.EqualTo(new[] { "my_net.pth", "my_net.safetensors", "my_net/model.safetensors" }));
        Assert.That(Store.Find("basic"), Is.Null);
        var timm = _folder.Copy("basic_1111.safetensors", "basic/model.safetensors");
        Assert.That(Store.Find("basic"), Is.EqualTo(timm));
        var safetensors = _folder.Copy("basic_1111.safetensors", "basic.safetensors");
        Assert.That(Store.Find("basic"), Is.EqualTo(safetensors));
        var pth = _folder.Copy("basic_1111.pth", "basic.pth");
        Assert.That(Store.Find("basic"), Is.EqualTo(pth));
        Assert.That(() => Store.Find("../basic"), Throws.ArgumentException);
    }

    [TestCase("basic.pth", "basic_1111.pth")]
    [TestCase("basic/model.safetensors", "basic_1111.safetensors")]
    public void EveryAcceptedFormatLoads(string name, string fixture)
    {
        _folder.Copy(fixture, name);
        using var net = BackboneFixtures.BasicNet();
        var provenance = Store.Load(net, "basic");
        Assert.That(provenance.File, Does.EndWith(name));
        using var reference = BackboneFixtures.Load(fixture);
        Assert.That(BackboneFixtures.MaxAbsDiff(net.get_parameter("layer2.0.conv1.weight"), reference["layer2.0.conv1.weight"]), Is.Zero);
    }

    [Test]
    public void MissingWeightsNameTheFolderTheFileNamesAndTheUrl()
    {
        var e = Assert.Throws<WeightsNotFoundException>(() => Store.Create("wide_resnet50_2"))!;
        Assert.That(e.Message, Does.Contain(_folder.Root));
        Assert.That(e.Message, Does.Contain("wide_resnet50_2-95faca4d.pth, wide_resnet50_2.pth, wide_resnet50_2.safetensors, wide_resnet50_2/model.safetensors"));
        Assert.That(e.Message, Does.Contain("https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth"));
        Assert.That(e.Message, Does.Contain("https://huggingface.co/timm/wide_resnet50_2.tv_in1k"));
        Assert.That(e.Message, Does.Contain("weights: random").And.Contain(WeightsStore.EnvironmentVariable));
        Assert.That(e.Folder, Is.EqualTo(_folder.Root));

        var absent = new WeightsStore(Path.Combine(_folder.Root, "absent"));
        Assert.That(() => absent.Create("densenet201"), Throws.TypeOf<WeightsNotFoundException>()
            .With.Message.Contains("the folder does not exist").And.Message.Contains("https://download.pytorch.org/models/densenet201-c1103571.pth"));
        Assert.That(() => Store.Create("vgg16"), Throws.ArgumentException.With.Message.Contains("wide_resnet50_2"));
    }

    [Test]
    public void AnIncompleteStateDictNamesTheMissingKeys()
    {
        using (var full = BackboneFixtures.Load("basic_1111.safetensors"))
        using (var partial = new StateDict())
        {
            foreach (var (key, t) in full.Where(kv => !kv.Key.StartsWith("layer4.", StringComparison.Ordinal)))
                partial.Add(key, t.clone());
            Safetensors.Save(_folder.File("basic.safetensors"), partial);
        }
        using var net = BackboneFixtures.BasicNet();
        var e = Assert.Throws<WeightsMismatchException>(() => Store.Load(net, "basic"))!;
        Assert.That(e.MissingKeys, Does.Contain("layer4.0.conv1.weight").And.Contain("layer4.0.downsample.1.running_var"));
        Assert.That(e.MissingKeys, Has.None.EndsWith("num_batches_tracked"), "num_batches_tracked is optional, as in PyTorch");
        Assert.That(e.UnexpectedKeys, Is.Empty);
        Assert.That(e.Message, Does.Contain("key(s) missing from the file: layer4.0.conv1.weight"));
        Assert.That(e.Message, Does.Contain(_folder.File("basic.safetensors")));
    }

    [Test]
    public void AMismatchedFileNamesTheOffendingKeysAndShapes()
    {
        _folder.Copy("wide_bottleneck_111.pth", "basic.pth");
        using var net = BackboneFixtures.BasicNet();
        var e = Assert.Throws<WeightsMismatchException>(() => Store.Load(net, "basic"))!;
        Assert.That(e.ShapeMismatches, Has.Some.StartsWith("layer1.0.conv1.weight: file [128, 64, 1, 1] vs network [64, 64, 3, 3]"));
        Assert.That(e.UnexpectedKeys, Does.Contain("layer1.0.conv3.weight"));
        Assert.That(e.MissingKeys, Does.Contain("fc.weight"));
        Assert.That(e.Message, Does.Contain("shape mismatch").And.Contain("layer1.0.conv1.weight").And.Contain("more)"));
    }

    [Test]
    public void ATruncatedFileIsAnErrorNamingTheFile()
    {
        var bytes = File.ReadAllBytes(BackboneFixtures.Path("basic_1111.pth"));
        File.WriteAllBytes(_folder.File("basic.pth"), bytes.AsSpan(0, bytes.Length / 2).ToArray());
        using var net = BackboneFixtures.BasicNet();
        var e = Assert.Throws<WeightsException>(() => Store.Load(net, "basic"))!;
        Assert.That(e.Message, Does.Contain(_folder.File("basic.pth")).And.Contain("'basic'"));
    }

    [Test]
    public void ATorchvisionNamedFileMustMatchTheHashInItsName()
    {
        _folder.Copy("basic_1111.pth", "resnet18-f37072fd.pth");
        var e = Assert.Throws<WeightsException>(() => Store.Create("resnet18"))!;
        Assert.That(e.Message, Does.Contain("SHA-256").And.Contain("f37072fd").And.Contain("Download it again"));
    }

    [Test]
    public void RandomWeightsAreSeededAndRecorded()
    {
        using var a = Store.Create("resnet18", WeightsSource.Random(3));
        using var b = Store.Create("resnet18", WeightsSource.Parse("random", 3));
        using var c = Store.Create("resnet18", WeightsSource.Random(4));
        Assert.That(a.provenance!.ToString(), Is.EqualTo("resnet18: random (seed 3)"));
        Assert.That(a.provenance.IsRandom, Is.True);
        Assert.That(BackboneFixtures.MaxAbsDiff(a.get_parameter("layer4.1.conv2.weight"), b.get_parameter("layer4.1.conv2.weight")), Is.Zero);
        Assert.That(BackboneFixtures.MaxAbsDiff(a.get_parameter("layer4.1.conv2.weight"), c.get_parameter("layer4.1.conv2.weight")), Is.GreaterThan(0));
        Assert.That(() => WeightsSource.Parse("imagenet21k"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void LegacyDenseNetKeysLoadAsTorchvisionRenamesThem()
    {
        static DenseNet Small() => new(new DenseNetConfig { GrowthRate = 8, BlockConfig = [2, 2], NumInitFeatures = 16, NumClasses = 5 });
        torch.manual_seed(5);
        using var original = Small();
        using (var state = original.state_dict())
        using (var legacy = new StateDict())
        {
            foreach (var (key, t) in state)
            {
                // Old files: 'norm.1' for 'norm1' ..., and no num_batches_tracked (PyTorch < 0.4.1).
                if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
                var old = System.Text.RegularExpressions.Regex.Replace(key, @"(denselayer\d+\.(?:norm|conv))([12])\.", "$1.$2.");
                legacy.Add(old, t.clone());
            }
            Assert.That(legacy.Keys, Does.Contain("features.denseblock1.denselayer1.norm.1.weight"));
            Safetensors.Save(_folder.File("small_densenet.safetensors"), legacy);
        }
        using var loaded = Small();
        Store.Load(loaded, "small_densenet");
        original.eval();
        loaded.eval();
        using var x = torch.randn(1, 3, 32, 32);
        using var noGrad = torch.no_grad();
        using var expected = original.call(x);
        using var actual = loaded.call(x);
        Assert.That(BackboneFixtures.MaxAbsDiff(actual, expected), Is.Zero);
    }

    [Test]
    public void CheckReportsMissingMismatchedAndUnreadableFiles()
    {
        var missing = Store.Check("resnet34");
        Assert.That(missing.State, Is.EqualTo(WeightsState.Missing));
        Assert.That(missing.Detail, Does.Contain("https://download.pytorch.org/models/resnet34-b627a593.pth"));

        _folder.Copy("basic_1111.pth", "resnet18.pth");
        var mismatch = Store.Check("resnet18");
        Assert.That(mismatch.State, Is.EqualTo(WeightsState.ShapeMismatch));
        Assert.That(mismatch.Detail, Does.Contain("fc.weight: file [10, 512] vs network [1000, 512]"));
        Assert.That(mismatch.Detail, Does.Contain("layer1.1.conv1.weight"), "resnet18 has two blocks per stage, the fixture one");

        File.WriteAllBytes(_folder.File("resnet50.safetensors"), [1, 2, 3]);
        Assert.That(Store.Check("resnet50").State, Is.EqualTo(WeightsState.Unreadable));
    }

    [Test]
    public void TheDefaultFolderIsTheEnvironmentVariableElseTheCache()
    {
        var saved = Environment.GetEnvironmentVariable(WeightsStore.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(WeightsStore.EnvironmentVariable, _folder.Root);
            Assert.That(WeightsStore.FromEnvironment().Folder, Is.EqualTo(_folder.Root));
            Environment.SetEnvironmentVariable(WeightsStore.EnvironmentVariable, null);
            Assert.That(WeightsStore.DefaultFolder(), Does.EndWith(Path.Combine(".cache", "anomalybench", "weights")));
            Assert.That(new WeightsStore("~/w").Folder,
                Is.EqualTo(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "w")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(WeightsStore.EnvironmentVariable, saved);
        }
    }
}
