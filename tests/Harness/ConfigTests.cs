using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

public class ConfigTests
{
    private static readonly string[] s_kinds = ["mvtec", "synthetic"];
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-config-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private ExperimentConfig Load(string yaml)
    {
        var path = Path.Combine(_dir, "experiment.yaml");
        File.WriteAllText(path, yaml);
        return ConfigLoader.Load(path, FakeMethod.Registry, s_kinds);
    }

    private ConfigException Fails(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml))!;

    private const string Valid = """
        experiment: smoke
        device: cpu
        seeds: [0, 1]
        datasets:
          - kind: synthetic
            categories: [fabric, washer]
            image_size: 96
        methods:
          - key: fake
            profile: quick
            gain: 3
            crop: 48
        """;

    [Test]
    public void AValidFileBindsEveryField()
    {
        var config = Load(Valid);
        Assert.That(config.Experiment, Is.EqualTo("smoke"));
        Assert.That(config.Seeds, Is.EqualTo(new[] { 0, 1 }));
        Assert.That(config.Setting, Is.EqualTo(Setting.PerCategory));
        Assert.That(config.Datasets[0].Categories, Is.EqualTo(new[] { "fabric", "washer" }));
        var entry = config.Methods.Single();
        Assert.That(entry.Profile, Is.EqualTo(Profile.Quick));
        var options = (FakeOptions)entry.Options;
        Assert.That(options.Gain, Is.EqualTo(3), "the file's field wins over the profile");
        Assert.That(options.Preprocessing.ImageSize, Is.EqualTo(64), "the quick profile's size");
        Assert.That(options.Preprocessing.Crop, Is.EqualTo(48), "a flat pre-processing field");
        var applied = config.Datasets[0].Apply(options.Preprocessing);
        Assert.That((applied.ImageSize, applied.Crop), Is.EqualTo((96, 48)), "the data set's override");
    }

    [Test]
    public void ResizeFilterIsAPreProcessingFieldOfMethodsAndDataSets()
    {
        var method = (FakeOptions)Load(Valid.Replace("    crop: 48", "    crop: 48\n    resize_filter: lanczos")).Methods.Single().Options;
        Assert.That(method.Preprocessing.ResizeFilter, Is.EqualTo(ResizeFilter.Lanczos), "a flat pre-processing field of a method entry");
        var config = Load(Valid.Replace("    image_size: 96", "    image_size: 96\n    resize_filter: bilinear").Replace("    crop: 48", "    crop: 48\n    resize_filter: lanczos"));
        var applied = config.Datasets[0].Apply(config.Methods.Single().Options.Preprocessing);
        Assert.That(applied.ResizeFilter, Is.EqualTo(ResizeFilter.Bilinear), "the data set's override wins");
        Assert.That(Fails(Valid.Replace("    crop: 48", "    crop: 48\n    resize_filter: bicubic")).Message, Does.Contain("lanczos"));
    }

    [Test]
    public void AnUnknownKeyReportsLineColumnAndTheValidKeys()
    {
        var error = Fails("experiment: x\nseedz: [1]\nmethods: [{key: fake}]\ndatasets: [{kind: mvtec}]\n");
        Assert.That(error.Message, Does.Contain("experiment.yaml:2:1"));
        Assert.That(error.Message, Does.Contain("unknown key 'seedz'").And.Contain("seeds"));
    }

    [Test]
    public void AWrongTypeReportsLineAndColumn()
    {
        var error = Fails("experiment: x\nseeds: [0, one]\nmethods: [{key: fake}]\ndatasets: [{kind: mvtec}]\n");
        Assert.That((error.Line, error.Column), Is.EqualTo((2L, 12L)));
        Assert.That(error.Message, Does.Contain("whole number").And.Contain("'one'"));
    }

    [Test]
    public void AnUnknownMethodListsTheKnownOnes()
    {
        var error = Fails("experiment: x\ndatasets: [{kind: mvtec}]\nmethods:\n  - key: patchkore\n");
        Assert.That((error.Line, error.Column), Is.EqualTo((4L, 10L)));
        Assert.That(error.Message, Does.Contain("unknown method 'patchkore'").And.Contain("fake"));
    }

    [Test]
    public void AnUnknownHyperParameterListsTheMethodsFields()
    {
        var error = Fails("experiment: x\ndatasets: [{kind: mvtec}]\nmethods:\n  - key: fake\n    gian: 2\n");
        Assert.That((error.Line, error.Column), Is.EqualTo((5L, 5L)));
        Assert.That(error.Message, Does.Contain("'gian'").And.Contain("gain").And.Contain("image_size"));
    }

    [Test]
    public void ABadEnumValueListsTheChoices()
    {
        var error = Fails("experiment: x\nsetting: unify\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Message, Does.Contain("per_category").And.Contain("unified"));
    }

    [Test]
    public void AnImpossibleValueIsCaughtByTheMethodsValidation()
    {
        var error = Fails("experiment: x\ndatasets: [{kind: mvtec}]\nmethods:\n  - key: fake\n    batch_size: 0\n");
        Assert.That(error.Message, Does.Contain("batch_size"));
    }

    [Test]
    public void TheUnifiedSettingIsRefusedForAMethodWithoutIt()
    {
        var error = Fails("experiment: x\nsetting: unified\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Message, Does.Contain("does not support the unified setting"));
    }

    [Test]
    public void UnknownDataSetKindsAndDevicesAreNamed()
    {
        Assert.That(Fails("experiment: x\ndatasets: [{kind: mvtech}]\nmethods: [{key: fake}]\n").Message,
            Does.Contain("unknown data set kind 'mvtech'").And.Contain("mvtec, synthetic"));
        Assert.That(Fails("experiment: x\ndevice: gpu\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n").Message,
            Does.Contain(":2:").And.Contain("cpu, cuda or cuda:N or auto"));
    }

    [Test]
    public void BrokenYamlIsReportedWithItsPosition()
    {
        var error = Fails("experiment: x\ndatasets: [{kind: mvtec}\n");
        Assert.That(error.Message, Does.Contain("not valid YAML"));
        Assert.That(error.Line, Is.GreaterThan(0));
    }

    [TestCase("..", 1L)]
    [TestCase(".", 1L)]
    [TestCase("a/../..", 1L)]
    [TestCase("/tmp/escape", 1L)]
    [TestCase("'a\\b'", 1L)]
    public void AnExperimentNameThatIsNotOneFolderIsRefused(string name, long line)
    {
        // Issue 21 item 2: experiment: ".." wrote manifest.json, report/ and the runs into the output folder's parent.
        var error = Fails($"experiment: {name}\ndatasets: [{{kind: mvtec}}]\nmethods: [{{key: fake}}]\n");
        Assert.That(error.Line, Is.EqualTo(line));
        Assert.That(error.Message, Does.Contain("experiment").And.Contain("one folder name"));
    }

    [Test]
    public void MethodAndDataSetNamesThatAreNotOneFolderAreRefused()
    {
        var method = Fails("experiment: x\ndatasets: [{kind: mvtec}]\nmethods:\n  - key: fake\n    name: ../up\n");
        Assert.That(method.Line, Is.EqualTo(5L));
        Assert.That(method.Message, Does.Contain("name '../up'").And.Contain("one folder name"));
        var dataset = Fails("experiment: x\ndatasets:\n  - kind: mvtec\n    name: ..\nmethods: [{key: fake}]\n");
        Assert.That(dataset.Line, Is.EqualTo(3L));
        Assert.That(dataset.Message, Does.Contain("name '..'").And.Contain("one folder name"));
    }

    [TestCase("seeds:\n", 2L, "seeds")]
    [TestCase("output:\n", 2L, "output")]
    [TestCase("seeds: []\n", 2L, "seeds")]
    public void AnEmptyValueNamesItsField(string line, long at, string field)
    {
        // Issue 21 item 4: these ended in a NullReferenceException / ArgumentNullException with a stack trace.
        var error = Fails("experiment: x\n" + line + "datasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Line, Is.EqualTo(at));
        Assert.That(error.Message, Does.Contain(field));
    }

    [Test]
    public void AnUnclosedFlowListIsAYamlErrorWithItsLine()
    {
        var error = Fails("experiment: x\nseeds: [0\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Message, Does.Contain("not valid YAML").And.Contain("not closed"));
        Assert.That((error.Line, error.Column), Is.EqualTo((2L, 8L)), "the bracket that is never closed");
    }

    [TestCase("patchcore", "backbone: resnet19", "unknown backbone 'resnet19'")]
    [TestCase("patchcore", "layers: [layer2, layer5]", "no stage 'layer5'")]
    [TestCase("rd4ad", "weights: imagenet21k", "weights must be one of")]
    public void ABackboneSettingTheFitWouldRejectIsAFileLineError(string key, string field, string expected)
    {
        // Issue 21 item 5: these passed validate and failed one job at a time after others had trained.
        var path = Path.Combine(_dir, "experiment.yaml");
        File.WriteAllText(path, $"experiment: x\ndevice: cpu\ndatasets: [{{kind: mvtec}}]\nmethods:\n  - key: {key}\n    {field}\n");
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, MethodRegistry.Default, s_kinds))!;
        Assert.That(error.Line, Is.EqualTo(6L), error.Message);
        Assert.That(error.Message, Does.Contain(expected).And.Contain($"method '{key}'"));
    }

    [TestCase("synthetic: {image_size: -64}", "image_size must be between 32 and 2048")]
    [TestCase("synthetic: {train_count: 0}", "train_count must be at least 1")]
    [TestCase("categories: [fabrik]", "unknown synthetic category 'fabrik'")]
    public void ASyntheticSettingTheGeneratorWouldRejectIsAFileLineError(string field, string expected)
    {
        var error = Fails($"experiment: x\ndevice: cpu\ndatasets:\n  - kind: synthetic\n    {field}\nmethods: [{{key: fake}}]\n");
        Assert.That(error.Line, Is.EqualTo(5L), error.Message);
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void CudaOnABuildWithoutCudaIsAFileLineError()
    {
        if (AnomalyBench.Torch.torch.cuda.is_available()) Assert.Ignore("this machine has CUDA: the check has nothing to refuse");
        var error = Fails("experiment: x\ndevice: cuda\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Line, Is.EqualTo(2L), error.Message);
        Assert.That(error.Message, Does.Contain("no CUDA").And.Contain("device: cpu"));
    }

    [Test]
    public void ANegativeSeedIsRefused()
    {
        // Issue 21 item 8: -1 was accepted and cast to the unsigned seed 18446744073709551615.
        var error = Fails("experiment: x\nseeds: [0, -1]\ndatasets: [{kind: mvtec}]\nmethods: [{key: fake}]\n");
        Assert.That(error.Line, Is.EqualTo(2L), error.Message);
        Assert.That(error.Message, Does.Contain("-1").And.Contain("0 or more"));
    }
}
