using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>DenseNet's stages, truncation and torchvision's legacy key renaming (on a small configuration).</summary>
public class BackboneDenseNetTests
{
    // DenseNet-201's layout in miniature: same stem, 4 blocks of 2 layers, growth 8.
    private static DenseNet Small(int? classes = 10) =>
        new(new DenseNetConfig { GrowthRate = 8, BlockConfig = [2, 2, 2, 2], NumInitFeatures = 16, NumClasses = classes });

    [Test]
    public void StagesHaveDenseNetsChannelsAndStrides()
    {
        torch.manual_seed(0);
        using var net = Small();
        net.eval();
        using var x = torch.randn(2, 3, 64, 64);
        using var noGrad = torch.no_grad();
        using var maps = net.forward_stages(x, ["features.denseblock2", "features.denseblock3"]);
        // block1: 16 + 2*8 = 32 -> transition 16; block2: 16 + 16 = 32 -> 16; block3: 32.
        Assert.That(maps["features.denseblock2"].shape, Is.EqualTo(new long[] { 2, 32, 8, 8 }));
        Assert.That(maps["features.denseblock3"].shape, Is.EqualTo(new long[] { 2, 32, 4, 4 }));
        Assert.That(net.reduction("features.denseblock3"), Is.EqualTo(16));
        using var logits = net.call(x);
        Assert.That(logits.shape, Is.EqualTo(new long[] { 2, 10 }));
    }

    [Test]
    public void DenseNet201TapsHavePatchCoresChannels()
    {
        using var net = DenseNet.densenet201(init_weights: false);
        Assert.That(net.out_channels("features.denseblock2"), Is.EqualTo(512));
        Assert.That(net.out_channels("features.denseblock3"), Is.EqualTo(1792));
        Assert.That(net.num_features, Is.EqualTo(1920));
    }

    [Test]
    public void StagesEqualTheFeaturesSequentialRunPiecewise()
    {
        torch.manual_seed(1);
        using var net = Small();
        net.eval();
        using var x = torch.randn(1, 3, 32, 32);
        using var noGrad = torch.no_grad();
        using var maps = net.forward_stages(x, ["features.denseblock4"]);
        // The whole features Sequential ends with norm5 after denseblock4: apply it to the tapped map.
        using var all = net.features.call(x);
        using var norm5 = ((AnomalyBench.Torch.Modules.BatchNorm2d)net.features.get_submodule("norm5")).call(maps[0]);
        Assert.That(BackboneFixtures.MaxAbsDiff(norm5, all), Is.LessThan(1e-6));
    }

    [Test]
    public void TruncationDropsEverythingAfterTheDeepestBlock()
    {
        using var net = Small();
        net.truncate_after("features.denseblock3");
        Assert.That(net.stage_names, Is.EqualTo(new[] { "features.denseblock1", "features.denseblock2", "features.denseblock3" }));
        Assert.That(net.has_classifier, Is.False);
        var keys = net.named_parameters().Select(p => p.name).ToList();
        Assert.That(keys, Has.None.StartsWith("features.transition3").And.None.StartsWith("features.denseblock4")
            .And.None.StartsWith("features.norm5").And.None.StartsWith("classifier"));
        Assert.That(keys, Has.Some.StartsWith("features.denseblock3.denselayer2."));
    }

    [Test]
    public void LegacyKeysAreRenamedAsTorchvisionDoes()
    {
        using var tensor = torch.zeros(3);
        var legacy = new Dictionary<string, Tensor>
        {
            ["features.denseblock1.denselayer1.norm.1.weight"] = tensor,
            ["features.denseblock1.denselayer1.conv.2.weight"] = tensor,
            ["features.denseblock1.denselayer12.norm.2.running_var"] = tensor,
            ["features.transition1.norm.weight"] = tensor,
            ["features.norm5.bias"] = tensor,
        };
        var renamed = DenseNet.remap_legacy_keys(legacy);
        Assert.That(renamed.Keys, Is.EquivalentTo(new[]
        {
            "features.denseblock1.denselayer1.norm1.weight",
            "features.denseblock1.denselayer1.conv2.weight",
            "features.denseblock1.denselayer12.norm2.running_var",
            "features.transition1.norm.weight",
            "features.norm5.bias",
        }));
    }
}
