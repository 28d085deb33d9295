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

    /// <summary>
    /// Two levels with structure: a 2×2 level of known distances 1 − cos (0, 1, 0.5, 2), upsampled to 4×4, and a 4×4 level
    /// taken as it is; the fused map must equal a bilinear resampling with align_corners=True written out here plus the
    /// second level (align_corners=False or nearest give other values at the inner pixels), summed or averaged.
    /// </summary>
    [Test]
    public void MapsAreUpsampledWithAlignedCornersFusedSmoothedAndScored()
    {
        using var scope = torch.NewDisposeScope();
        float[] coarse = [0f, 1f, 0.5f, 2f];
        var fine = Enumerable.Range(0, 16).Select(i => (float)(i % 5) / 4).ToArray();
        var (e1, d1) = Pair(coarse, 2, 2);
        var (e2, d2) = Pair(fine, 4, 4);
        var upsampled = BilinearAlignCorners(coarse, 2, 2, 4, 4);
        var expectedSum = upsampled.Select((v, i) => v + fine[i]).ToArray();

        var sum = AnomalyMap.Distances([e1, e2], [d1, d2], 4, 4, MapFusion.Sum);
        Assert.That(sum.shape, Is.EqualTo(new long[] { 1, 4, 4 }));
        Assert.That(TensorAssert.Values(sum), Is.EqualTo(expectedSum).Within(1e-5));
        // align_corners=False would put the 2×2 level's inner pixels at 0.25 and 0.75 of the way, not a third and two thirds.
        Assert.That(TensorAssert.Values(sum)[1], Is.Not.EqualTo(1f / 4 + fine[1]).Within(1e-3));
        Assert.That(TensorAssert.Values(AnomalyMap.Distances([e1, e2], [d1, d2], 4, 4, MapFusion.Mean)),
            Is.EqualTo(expectedSum.Select(v => v / 2)).Within(1e-5));

        // Smoothing: the 5×5 kernel (σ 4, zero padding) against a loop over the window.
        var kernel = TensorAssert.Values(AnomalyMap.Kernel5(4, sum));
        Assert.That(kernel.Sum(), Is.EqualTo(1).Within(1e-6));
        Assert.That(kernel[0] / kernel[12], Is.EqualTo(Math.Exp(-8.0 / 32)).Within(1e-6), "exp(−(2² + 2²)/(2σ²)) relative to the centre");
        var smoothed = TensorAssert.Values(AnomalyMap.Smooth(sum, MapSmoothing.Kernel5, 4));
        for (var y = 0; y < 4; y++)
        for (var x = 0; x < 4; x++)
        {
            double expected = 0;
            for (var u = -2; u <= 2; u++)
            for (var v = -2; v <= 2; v++)
                if (y + u is >= 0 and < 4 && x + v is >= 0 and < 4) expected += kernel[(u + 2) * 5 + v + 2] * expectedSum[(y + u) * 4 + x + v];
            Assert.That(smoothed[y * 4 + x], Is.EqualTo(expected).Within(1e-5), $"({y},{x})");
        }
        // The scipy filter is the engine's gaussian_blur, checked against scipy's definition in OpTests.
        Assert.That(AnomalyMap.Smooth(sum, MapSmoothing.Scipy, 4).allclose(torch.nn.functional.gaussian_blur(sum.unsqueeze(1), 4).squeeze(1), atol: 1e-6), Is.True);
        Assert.That(TensorAssert.Values(AnomalyMap.Smooth(sum, MapSmoothing.None, 4)), Is.EqualTo(expectedSum).Within(1e-5));

        var ramp = torch.arange(200, dtype: ScalarType.Float32).view(1, 10, 20);
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.Max)), Is.EqualTo(new[] { 199.0 }));
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.Mean)), Is.EqualTo(new[] { 99.5 }));
        // Top 1% of 200 pixels: the 2 largest, 199 and 198.
        Assert.That(TensorAssert.Values(AnomalyMap.Scores(ramp, ImageScore.TopPercentMean)), Is.EqualTo(new[] { 198.5 }));
    }

    /// <summary>Target (1, 0) everywhere and a unit prediction at angle arccos(1 − d) per pixel: 1 − cos = d ([1,2,h,w] each).</summary>
    private static (Tensor Target, Tensor Prediction) Pair(float[] distances, int h, int w)
    {
        var target = new float[2 * h * w];
        var prediction = new float[2 * h * w];
        for (var i = 0; i < h * w; i++)
        {
            var cos = 1 - distances[i];
            target[i] = 1;
            prediction[i] = cos;
            prediction[h * w + i] = (float)Math.Sqrt(Math.Max(0, 1 - cos * cos));
        }
        return (torch.from_array(target, [1, 2, h, w]), torch.from_array(prediction, [1, 2, h, w]));
    }

    /// <summary>Bilinear resampling with align_corners=True: output pixel i samples the input at i·(in − 1)/(out − 1).</summary>
    private static float[] BilinearAlignCorners(float[] source, int hIn, int wIn, int hOut, int wOut)
    {
        var result = new float[hOut * wOut];
        for (var y = 0; y < hOut; y++)
        for (var x = 0; x < wOut; x++)
        {
            var (sy, sx) = ((double)y * (hIn - 1) / (hOut - 1), (double)x * (wIn - 1) / (wOut - 1));
            var (y0, x0) = ((int)Math.Floor(sy), (int)Math.Floor(sx));
            var (y1, x1) = (Math.Min(y0 + 1, hIn - 1), Math.Min(x0 + 1, wIn - 1));
            var (fy, fx) = (sy - y0, sx - x0);
            result[y * wOut + x] = (float)((1 - fy) * ((1 - fx) * source[y0 * wIn + x0] + fx * source[y0 * wIn + x1])
                + fy * ((1 - fx) * source[y1 * wIn + x0] + fx * source[y1 * wIn + x1]));
        }
        return result;
    }
}
