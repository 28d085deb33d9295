using AnomalyBench.Methods.Backbones;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>The feature-extractor view, frozen and trainable, on every device.</summary>
[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class BackboneFeatureExtractorTests(Device device)
{
    private static ResNet LoadedBasicNet()
    {
        var net = BackboneFixtures.BasicNet();
        using var state = BackboneFixtures.Load("basic_1111.safetensors");
        net.load_state_dict(state, strict: true);
        return net;
    }

    [Test]
    public void FrozenExtractorReproducesTorchvisionOnTheDevice()
    {
        using var extractor = new FeatureExtractor(LoadedBasicNet(), ["layer2", "layer3"]).to(device);
        extractor.train(); // a frozen extractor stays in eval mode
        using var io = BackboneFixtures.Load("basic_1111.io.safetensors");
        using var input = io["input"].to(device);
        using var maps = extractor.call(input);
        Assert.That(maps.Keys, Is.EqualTo(new[] { "layer2", "layer3" }));
        foreach (var (stage, map) in maps)
        {
            Assert.That(map.device.Type, Is.EqualTo(device.Type), stage);
            Assert.That(map.requires_grad, Is.False, stage);
            if (device.Type == DeviceType.CPU)
                Assert.That(BackboneFixtures.MaxAbsDiff(map, io[stage]), Is.LessThan(1e-4), stage);
            else // cuDNN may use TF32 convolutions on Ampere and later
                Assert.That(BackboneFixtures.RelativeError(map, io[stage]), Is.LessThan(1e-2), stage);
        }
    }

    [Test]
    public void FrozenExtractorIsInEvalModeWithoutGradientsAndWithoutUnusedLayers()
    {
        using var extractor = new FeatureExtractor(LoadedBasicNet(), ["layer1", "layer2"]).to(device);
        extractor.train();
        Assert.That(extractor.modules().All(m => !m.training), Is.True, "eval mode everywhere");
        Assert.That(extractor.parameters().All(p => !p.requires_grad), Is.True, "no gradients");
        var names = extractor.named_parameters().Select(p => p.name).ToList();
        Assert.That(names, Has.Some.StartsWith("backbone.layer2."));
        Assert.That(names, Has.None.StartsWith("backbone.layer3.").And.None.StartsWith("backbone.layer4.").And.None.StartsWith("backbone.fc."),
            "layers after the deepest requested stage are freed");
        Assert.That(extractor.backbone.stage_names, Is.EqualTo(new[] { "stem", "layer1", "layer2" }));
        Assert.That(extractor.channels, Is.EqualTo(new long[] { 64, 128 }));
        Assert.That(extractor.reductions, Is.EqualTo(new[] { 4, 8 }));
    }

    [Test]
    public void TrainableExtractorPassesGradientsAndTrainsBatchNorm()
    {
        using var extractor = new FeatureExtractor(LoadedBasicNet(), ["layer1", "layer3"], trainable: true).to(device);
        extractor.train();
        Assert.That(extractor.training, Is.True);
        torch.manual_seed(0);
        using var x = torch.randn([2, 3, 64, 64], device: device);
        using (var scope = torch.NewDisposeScope())
        {
            using var maps = extractor.call(x);
            var loss = maps["layer1"].mean().add(maps["layer3"].mean());
            loss.backward();
        }
        var bn = (BatchNorm2d)extractor.backbone.get_submodule("layer1.0.bn1");
        using var tracked = bn.num_batches_tracked!.cpu();
        Assert.That(tracked.item<long>(), Is.EqualTo(8), "the fixture's 7 batches plus this one");
        using var grad = extractor.backbone.get_parameter("conv1.weight").grad;
        Assert.That(grad, Is.Not.Null);
        using var gradNorm = grad!.norm();
        Assert.That(gradNorm.item<float>(), Is.GreaterThan(0));
    }

    [Test]
    public void ForwardLeavesNoTensorBehind()
    {
        using var extractor = new FeatureExtractor(LoadedBasicNet(), ["stem", "layer2"]).to(device);
        using var x = torch.randn([1, 3, 32, 32], device: device);
        using (extractor.call(x))
        {
        }
        var live = BackboneFixtures.LiveTensors();
        for (var k = 0; k < 3; k++)
        {
            using var maps = extractor.call(x);
        }
        Assert.That(BackboneFixtures.LiveTensors(), Is.EqualTo(live));
    }

    [Test]
    public void WideResNet50LayerTwoAndThreeFromTheStore()
    {
        // The PatchCore/ReConPatch setting, with seeded random weights (no weight file in the test environment).
        using var folder = new TempWeightsFolder();
        var store = new WeightsStore(folder.Root);
        using var extractor = new FeatureExtractor(store.Create("wide_resnet50_2", WeightsSource.Random(0)), ["layer2", "layer3"]).to(device);
        Assert.That(extractor.provenance!.ToString(), Is.EqualTo("wide_resnet50_2: random (seed 0)"));
        Assert.That(extractor.channels, Is.EqualTo(new long[] { 512, 1024 }));
        using var x = torch.randn([1, 3, 64, 64], device: device);
        using var maps = extractor.call(x);
        Assert.That(maps["layer2"].shape, Is.EqualTo(new long[] { 1, 512, 8, 8 }));
        Assert.That(maps["layer3"].shape, Is.EqualTo(new long[] { 1, 1024, 4, 4 }));
    }

    [Test]
    public void UnknownOrRepeatedStagesAreRefused()
    {
        using var net = LoadedBasicNet();
        Assert.That(() => new FeatureExtractor(net, ["layer5"]), Throws.ArgumentException.With.Message.Contains("stem, layer1, layer2, layer3, layer4"));
        Assert.That(() => new FeatureExtractor(net, ["layer2", "layer2"]), Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.That(() => new FeatureExtractor(net, []), Throws.ArgumentException);
    }
}
