using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>
/// The ResNet port computes what torchvision computes: the fixture nets' recorded eval-mode outputs
/// (PyTorch 1.13.1, torchvision 0.14.1) are reproduced to 1e-4 from their .pth and .safetensors state dicts.
/// </summary>
public class BackboneResNetFixtureTests
{
    private const double Tolerance = 1e-4;

    [TestCase("basic_1111.pth")]
    [TestCase("basic_1111.safetensors")]
    public void BasicNetReproducesEveryStageAndTheLogits(string weights)
    {
        var live = BackboneFixtures.LiveTensors();
        using (var net = BackboneFixtures.BasicNet())
        using (var io = BackboneFixtures.Load("basic_1111.io.safetensors"))
        {
            using (var state = BackboneFixtures.Load(weights)) net.load_state_dict(state, strict: true);
            net.eval();
            using var noGrad = torch.no_grad();
            string[] stages = ["stem", "layer1", "layer2", "layer3", "layer4"];
            using (var maps = net.forward_stages(io["input"], stages))
            {
                Assert.That(maps.Keys, Is.EqualTo(stages));
                foreach (var stage in stages)
                    Assert.That(BackboneFixtures.MaxAbsDiff(maps[stage], io[stage]), Is.LessThan(Tolerance), stage);
            }
            using var logits = net.call(io["input"]);
            Assert.That(logits.shape, Is.EqualTo(new long[] { 2, 10 }));
            Assert.That(BackboneFixtures.MaxAbsDiff(logits, io["logits"]), Is.LessThan(Tolerance), "logits");
        }
        Assert.That(BackboneFixtures.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void WideBottleneckNetReproducesStemToLayer3()
    {
        using var net = BackboneFixtures.WideBottleneckNet();
        using var io = BackboneFixtures.Load("wide_bottleneck_111.io.pth");
        using (var state = BackboneFixtures.Load("wide_bottleneck_111.pth")) net.load_state_dict(state, strict: true);
        net.eval();
        Assert.That(net.stage_names, Is.EqualTo(new[] { "stem", "layer1", "layer2", "layer3" }));
        Assert.That(net.has_classifier, Is.False);
        using var noGrad = torch.no_grad();
        string[] stages = ["layer3", "stem", "layer1", "layer2"];
        using var maps = net.forward_stages(io["input"], stages);
        Assert.That(maps.Keys, Is.EqualTo(stages), "maps come back in the order asked");
        foreach (var stage in stages)
            Assert.That(BackboneFixtures.MaxAbsDiff(maps[stage], io[stage]), Is.LessThan(Tolerance), stage);
        Assert.That(maps["layer3"].shape, Is.EqualTo(new long[] { 2, 1024, 4, 4 }));
        Assert.That(net.out_channels("layer2"), Is.EqualTo(512));
        Assert.That(net.reduction("layer3"), Is.EqualTo(16));
    }

    [Test]
    public void ThreeStageNetHasNoClassifierToRun()
    {
        using var net = BackboneFixtures.WideBottleneckNet();
        using var x = torch.zeros(1, 3, 32, 32);
        Assert.That(() => net.call(x), Throws.InvalidOperationException.With.Message.Contains("forward_stages"));
        Assert.That(() => net.forward_stages(x, ["layer4"]), Throws.ArgumentException.With.Message.Contains("stem, layer1, layer2, layer3"));
    }

    [Test]
    public void ConfigurationsTorchvisionRefusesAreRefused()
    {
        Assert.That(() => new ResNet(new ResNetConfig(ResNetBlock.BasicBlock, [1, 1, 1, 1]) { WidthPerGroup = 128 }),
            Throws.ArgumentException.With.Message.Contains("BasicBlock only supports"));
        Assert.That(() => new ResNet(new ResNetConfig(ResNetBlock.Bottleneck, [1, 1, 1])),
            Throws.ArgumentException.With.Message.Contains("needs all four stages"));
        Assert.That(() => new ResNet(new ResNetConfig(ResNetBlock.Bottleneck, [1, 0, 1, 1])), Throws.ArgumentException.With.Message.Contains("layer2"));
    }

    [Test]
    public void TorchvisionInitialisation()
    {
        torch.manual_seed(0);
        using var net = new ResNet(new ResNetConfig(ResNetBlock.BasicBlock, [1, 1, 1, 1]) { NumClasses = 10, ZeroInitResidual = true });
        // kaiming_normal_(mode="fan_out", nonlinearity="relu"): std = sqrt(2 / (out_channels * k * k)).
        using var std = net.get_parameter("layer3.0.conv1.weight").std();
        Assert.That(std.item<float>(), Is.EqualTo(Math.Sqrt(2.0 / (256 * 9))).Within(2).Percent);
        using var bnWeight = net.get_parameter("layer1.0.bn1.weight").sum();
        Assert.That(bnWeight.item<float>(), Is.EqualTo(64));
        using var abs = net.get_parameter("layer1.0.bn2.weight").abs();
        using var zeroed = abs.sum();
        Assert.That(zeroed.item<float>(), Is.Zero, "zero_init_residual zeroes each block's last BatchNorm");
    }
}
