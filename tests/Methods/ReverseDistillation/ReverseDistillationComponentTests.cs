using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.ReverseDistillation;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReverseDistillation;

/// <summary>The shared parts of RD4AD and ReContrast: shapes, official initialisation, losses, hard mining, α schedule, maps.</summary>
public class ReverseDistillationComponentTests
{
    private static Tensor T(double[] values, params long[] shape) => torch.from_array(values.Select(v => (float)v).ToArray(), shape);

    [Test]
    public void WideResNetShapesAt256Px()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var store = new WeightsStore(Path.GetTempPath());
        using var encoder = FeatureExtractor.Create(store, "wide_resnet50_2", ReverseDistillationArchitecture.Levels, WeightsSource.Random(0));
        var architecture = ReverseDistillationArchitecture.For("wide_resnet50_2");
        using var bottleneck = new OneClassBottleneck(architecture);
        using var decoder = new ReverseDistillationDecoder(architecture);
        using var headed = new ReverseDistillationDecoder(architecture, heads: 2);
        bottleneck.eval();
        decoder.eval();
        headed.eval();
        var x = torch.randn([1, 3, 256, 256]);
        var en = encoder.call(x);
        long[][] expected = [[1, 256, 64, 64], [1, 512, 32, 32], [1, 1024, 16, 16]];
        Assert.That(en.Values.Select(t => t.shape), Is.EqualTo(expected));
        var embedding = bottleneck.call([en[0], en[1], en[2]]);
        Assert.That(embedding.shape, Is.EqualTo(new long[] { 1, 2048, 8, 8 }));
        Assert.That(decoder.call(embedding).Select(t => t.shape), Is.EqualTo(expected), "the decoder's levels match the encoder's");
        Assert.That(headed.call(embedding).Select(t => t.shape), Is.EqualTo(expected.Concat(expected)), "two heads: six maps");
        Assert.That(bottleneck.bn_layer.Count, Is.EqualTo(3));
        Assert.That(((Bottleneck)bottleneck.bn_layer[0]).width, Is.EqualTo(1024), "width 128 per group");
        Assert.That(new[] { decoder.layer(0).Count, decoder.layer(1).Count, decoder.layer(2).Count }, Is.EqualTo(new[] { 3, 4, 6 }));
    }

    [Test]
    public void ResNet18VariantShapesAt128Px()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var architecture = ReverseDistillationArchitecture.For("resnet18");
        using var bottleneck = new OneClassBottleneck(architecture);
        using var decoder = new ReverseDistillationDecoder(architecture);
        var en = new[] { torch.randn([2, 64, 32, 32]), torch.randn([2, 128, 16, 16]), torch.randn([2, 256, 8, 8]) };
        var embedding = bottleneck.call(en);
        Assert.That(embedding.shape, Is.EqualTo(new long[] { 2, 512, 4, 4 }));
        Assert.That(decoder.call(embedding).Select(t => t.shape), Is.EqualTo(en.Select(t => t.shape)));
        Assert.That(() => ReverseDistillationArchitecture.For("densenet201"), Throws.ArgumentException.With.Message.Contains("wide_resnet50_2"));
    }

    /// <summary>kaiming_normal_(fan_out) on nn.Conv2d only: ConvTranspose2d keeps U(±1/√fan_in), heads' biases their default.</summary>
    [Test]
    public void InitialisationFollowsTheOfficialLoop()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        using var decoder = new ReverseDistillationDecoder(ReverseDistillationArchitecture.For("resnet18"), heads: 2);
        // layer3.0.conv1: ConvTranspose2d(128 → 64, k 2); PyTorch's fan_in of its weight [128, 64, 2, 2] is 64·4.
        var deconv = (ConvTranspose2d)((DecoderBasicBlock)decoder.layer(2)[0]).conv1;
        var bound = 1 / Math.Sqrt(64 * 4);
        Assert.That(deconv.weight.abs().max().item<float>(), Is.LessThanOrEqualTo(bound + 1e-6), "the default uniform init, not kaiming normal");
        Assert.That(deconv.weight.abs().max().item<float>(), Is.GreaterThan(0.9 * bound));
        // layer3.1.conv2: Conv2d(64 → 64, 3x3): kaiming normal, std √(2 / (64·9)).
        var conv = ((DecoderBasicBlock)decoder.layer(2)[1]).conv2;
        Assert.That(conv.weight.std().item<float>(), Is.EqualTo(Math.Sqrt(2.0 / (64 * 9))).Within(0.05 * Math.Sqrt(2.0 / (64 * 9))));
        var bn = ((DecoderBasicBlock)decoder.layer(2)[1]).bn1;
        Assert.That((bn.weight!.min().item<float>(), bn.bias!.abs().max().item<float>()), Is.EqualTo((1f, 0f)));
        // Head out1[0]: Conv2d(64 → 64, 1x1, bias): kaiming weight (std √(2/64)), default bias U(±1/√64).
        var head = decoder.head(0, 0);
        Assert.That(head.weight.std().item<float>(), Is.EqualTo(Math.Sqrt(2.0 / 64)).Within(0.1 * Math.Sqrt(2.0 / 64)));
        Assert.That(head.bias!.abs().max().item<float>(), Is.LessThanOrEqualTo(1 / 8.0 + 1e-6));
        Assert.That(head.bias!.abs().max().item<float>(), Is.GreaterThan(0));
        using var state = decoder.state_dict();
        Assert.That(state.Keys, Does.Contain("out1.1.weight").And.Contain("out3.0.bias").And.Contain("layer1.0.upsample.0.weight"));
    }

    /// <summary>
    /// Level 1 (B = 2, 4 values each): sample 0 flat (1,0,0,0) vs (1,1,0,0) → 1 − 1/√2; sample 1 identical → 0: mean 0.146447.
    /// Level 2 (B = 2, 2 values each): (1,0) vs (0,1) twice → 1. Total 1.146447.
    /// </summary>
    [Test]
    public void GlobalCosineLossEqualsAHandComputedValue()
    {
        using var scope = torch.NewDisposeScope();
        var a1 = T([1, 0, 0, 0, 1, 2, 3, 4], 2, 2, 1, 2);
        var b1 = T([1, 1, 0, 0, 1, 2, 3, 4], 2, 2, 1, 2);
        var a2 = T([1, 0, 1, 0], 2, 2, 1, 1);
        var b2 = T([0, 1, 0, 1], 2, 2, 1, 1);
        var expected = (1 - 1 / Math.Sqrt(2)) / 2 + 1;
        Assert.That(CosineLoss.Global([a1, a2], [b1, b2]).item<float>(), Is.EqualTo(expected).Within(1e-6));
        // The paper's per-pixel form on one sample [1,2,1,2]: pixels (1,0)|(1,1) → 1 − 1/√2 and (0,1)|(0,2) → 0: mean 0.146447;
        // the global form of the same pair: flat (1,0,0,1)·(1,0,1,2) = 3 over √2·√6 → 1 − 0.866025.
        var a = T([1, 0, 0, 1], 1, 2, 1, 2);
        var b = T([1, 0, 1, 2], 1, 2, 1, 2);
        Assert.That(CosineLoss.PerPixel([a], [b]).item<float>(), Is.EqualTo((1 - 1 / Math.Sqrt(2)) / 2).Within(1e-6));
        Assert.That(CosineLoss.Global([a], [b]).item<float>(), Is.EqualTo(1 - 3 / Math.Sqrt(12)).Within(1e-6));
        Assert.That(() => CosineLoss.Global([a], [b1]), Throws.ArgumentException.With.Message.Contains("differ in shape"));
    }

    /// <summary>
    /// Three points with target (1,0): predictions (1,0), (1,1), (0,1) have p = 0, 0.2929, 1; mean 0.4310, unbiased std
    /// 0.5141. α = 0 → τ = 0.4310: the first two are easy and get no gradient, the third keeps the plain gradient;
    /// α = −1 → τ &lt; 0: every point is hard. The loss value never changes.
    /// </summary>
    [Test]
    public void HardMiningZeroesExactlyTheGradientOfEasyPointsAndKeepsTheLoss()
    {
        using var scope = torch.NewDisposeScope();
        var target = T([1, 1, 1, 0, 0, 0], 1, 2, 1, 3);
        var values = new double[] { 1, 1, 0, 0, 1, 1 };
        var (plainLoss, plainGrad) = LossAndGrad(values, b => CosineLoss.Global([target], [b]));
        var (minedLoss, minedGrad) = LossAndGrad(values, b => CosineLoss.GlobalHardMined([target], [b], alpha: 0, factor: 0));
        Assert.That(minedLoss, Is.EqualTo(plainLoss).Within(1e-7), "the loss value is unchanged");
        // Layout [C=2, W=3]: indices 0..2 channel 0, 3..5 channel 1; points 0 and 1 are easy.
        Assert.That(minedGrad, Is.EqualTo(new[] { 0, 0, plainGrad[2], 0, 0, plainGrad[5] }).Within(1e-7));
        Assert.That(plainGrad[1], Is.Not.EqualTo(0).Within(1e-4), "point 1 does have a gradient without mining");
        var (_, halfGrad) = LossAndGrad(values, b => CosineLoss.GlobalHardMined([target], [b], alpha: 0, factor: 0.5));
        Assert.That(halfGrad, Is.EqualTo(plainGrad.Select((g, i) => i % 3 == 2 ? g : 0.5 * g)).Within(1e-7));
        var (_, allGrad) = LossAndGrad(values, b => CosineLoss.GlobalHardMined([target], [b], alpha: -1, factor: 0));
        Assert.That(allGrad, Is.EqualTo(plainGrad).Within(1e-7));
        var mask = TensorAssert.Values(CosineLoss.HardMiningMask(target, T(values, 1, 2, 1, 3), alpha: 0, factor: 0));
        Assert.That(mask, Is.EqualTo(new double[] { 0, 0, 1 }));
    }

    private static (double Loss, double[] Grad) LossAndGrad(double[] values, Func<Tensor, Tensor> loss)
    {
        using var scope = torch.NewDisposeScope();
        var b = T(values, 1, 2, 1, 3).requires_grad_();
        var l = loss(b);
        l.backward();
        return (l.item<float>(), TensorAssert.Values(b.grad!));
    }

    [Test]
    public void AlphaRampsFromMinusThreeToOneOverTheFirstTenthOfTheIterations()
    {
        var schedule = new HardMiningSchedule();
        Assert.That(new[] { 0, 50, 100, 500, 999 }.Select(it => schedule.Alpha(it, 1000)), Is.EqualTo(new[] { -3.0, -1.0, 1.0, 1.0, 1.0 }).Within(1e-12));
        Assert.That(schedule.Alpha(25, 1000), Is.EqualTo(-2.0).Within(1e-12));
    }

    /// <summary>Two levels of constant distance 1 − cos: (1,0)|(0,1) → 1 and (1,0)|(1,0) → 0; sum 1 everywhere, mean 0.5.</summary>
    [Test]
    public void MapsAreUpsampledAndFusedAndScored()
    {
        using var scope = torch.NewDisposeScope();
        var ones = torch.ones([1, 1, 2, 2]);
        var zeros = torch.zeros([1, 1, 2, 2]);
        var e = torch.cat([ones, zeros], 1);
        var d = torch.cat([zeros, ones], 1);
        var sum = AnomalyMap.Distances([e, e], [d, e], 8, 8, MapFusion.Sum);
        Assert.That(sum.shape, Is.EqualTo(new long[] { 1, 8, 8 }));
        Assert.That(sum.allclose(torch.ones([1, 8, 8]), atol: 1e-6), Is.True);
        Assert.That(AnomalyMap.Distances([e, e], [d, e], 8, 8, MapFusion.Mean).allclose(torch.full([1, 8, 8], 0.5f), atol: 1e-6), Is.True);
        Assert.That(AnomalyMap.Kernel5(4, sum).sum().item<float>(), Is.EqualTo(1f).Within(1e-6));
        var ramp = torch.arange(200, dtype: ScalarType.Float32).view(1, 10, 20);
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.Max)), Is.EqualTo(new[] { 199.0 }));
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.Mean)), Is.EqualTo(new[] { 99.5 }));
        // Top 1% of 200 pixels: the 2 largest, 199 and 198.
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.TopPercentMean)), Is.EqualTo(new[] { 198.5 }));
        // The scipy-equal smoothing keeps a constant map constant; the 5×5 zero-padded kernel darkens its border.
        var smooth = AnomalyMap.Smooth(sum, MapSmoothing.Scipy, 4);
        Assert.That(smooth.allclose(sum, atol: 1e-5), Is.True);
        var kernel = TensorAssert.Values(AnomalyMap.Smooth(sum, MapSmoothing.Kernel5, 4));
        Assert.That(kernel[0], Is.LessThan(0.5));
        Assert.That(kernel[4 * 8 + 4], Is.EqualTo(1).Within(1e-5));
    }
}
