using AnomalyBench.Methods.Backbones;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>
/// CFA's official taps (cnn/resnet.py): leaky_relu(0.01) of each stage's residual sum before the last ReLU, with
/// the next stage fed relu(sum). The expected maps are computed here block by block from the blocks' own layers,
/// with the leaky ReLU written out as where(x &gt; 0, x, 0.01·x).
/// </summary>
public class FeatureActivationTests
{
    private static readonly string[] s_stages = ["layer1", "layer2", "layer3"];

    [TestCase(ResNetBlock.BasicBlock)]
    [TestCase(ResNetBlock.Bottleneck)]
    public void LeakyReluTapsArePreActivationSumsAndTheNextStageStillSeesTheirRelu(ResNetBlock block)
    {
        torch.manual_seed(7);
        using var net = new ResNet(new ResNetConfig(block, [2, 2, 1]) { NumClasses = null });
        net.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 3, 32, 32);
        using var leaky = net.forward_stages(x, s_stages, FeatureActivation.LeakyRelu);
        using var relu = net.forward_stages(x, s_stages);

        var h = net.forward_stem(x);
        for (var k = 0; k < s_stages.Length; k++)
        {
            var stage = net.layer(k)!;
            Tensor pre = null!;
            for (var b = 0; b < stage.Count; b++)
            {
                pre = ResidualSum(stage[b], h);
                h = pre.relu();
            }
            var negative = pre.lt(0);
            var expectedLeaky = torch.where(negative, pre * 0.01, pre);
            Assert.That(leaky[s_stages[k]].allclose(expectedLeaky, rtol: 1e-5, atol: 1e-6), Is.True, $"{s_stages[k]}: leaky_relu(pre-activation)");
            Assert.That(relu[s_stages[k]].allclose(h, rtol: 1e-5, atol: 1e-6), Is.True, $"{s_stages[k]}: torchvision's output");
            // Where the residual sum is negative, torchvision's tap is 0 and CFA's keeps 0.01·sum.
            var negatives = negative.sum().item<long>();
            Assert.That(negatives, Is.GreaterThan(0), $"{s_stages[k]}: the test needs negative residual sums");
            var differ = leaky[s_stages[k]].ne(relu[s_stages[k]]);
            Assert.That(differ.eq(negative).all().item<bool>(), Is.True, $"{s_stages[k]}: the taps differ exactly where the sum is negative");
            Assert.That(relu[s_stages[k]].masked_select(negative).abs().max().item<float>(), Is.Zero);
        }
    }

    [Test]
    public void TheFeatureExtractorPassesTheActivationOnAndRefusesItWhereThereIsNoResidualSum()
    {
        torch.manual_seed(8);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(1, 3, 32, 32);
        using var leaky = new FeatureExtractor(ResNet.resnet18(num_classes: null), ["layer2"], activation: FeatureActivation.LeakyRelu);
        torch.manual_seed(8);
        using var relu = new FeatureExtractor(ResNet.resnet18(num_classes: null), ["layer2"]);
        using var a = leaky.call(x);
        using var b = relu.call(x);
        Assert.That(a["layer2"].min().item<float>(), Is.LessThan(0));
        Assert.That(b["layer2"].min().item<float>(), Is.EqualTo(0));
        using var dense = new DenseNet(new DenseNetConfig { GrowthRate = 4, BlockConfig = [1, 1], NumInitFeatures = 8, NumClasses = null });
        Assert.That(() => new FeatureExtractor(dense, ["features.denseblock1"], activation: FeatureActivation.LeakyRelu),
            Throws.ArgumentException.With.Message.Contains("needs a ResNet"));
    }

    /// <summary>branch(h) + shortcut(h) of a torchvision block, from its layers (the block's own forward is not called).</summary>
    private static Tensor ResidualSum(Module<Tensor, Tensor> block, Tensor h)
    {
        switch (block)
        {
            case BasicBlock basic:
            {
                var branch = basic.bn2.call(basic.conv2.call(basic.bn1.call(basic.conv1.call(h)).relu()));
                return branch + (basic.downsample?.call(h) ?? h);
            }
            case Bottleneck bottleneck:
            {
                var inner = bottleneck.bn2.call(bottleneck.conv2.call(bottleneck.bn1.call(bottleneck.conv1.call(h)).relu())).relu();
                var branch = bottleneck.bn3.call(bottleneck.conv3.call(inner));
                return branch + (bottleneck.downsample?.call(h) ?? h);
            }
            default:
                throw new AssertionException($"unexpected block {block.GetType().Name}");
        }
    }
}
