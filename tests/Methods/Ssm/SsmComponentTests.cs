using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Ssm;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Ssm;

/// <summary>SSM's parts against their definitions: masks, validation, the mask block, the U-Net, the loss terms, refinement.</summary>
public class SsmComponentTests
{
    private DisposeScope _scope = null!;

    [SetUp]
    public void OpenScope() => _scope = torch.NewDisposeScope();

    [TearDown]
    public void CloseScope() => _scope.Dispose();

    private static Tensor T(float[] values, params long[] shape) => torch.from_array(values, shape);

    private static float[] RandomValues(int count, int seed, float low = 0, float high = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => low + (high - low) * (float)random.NextDouble()).ToArray();
    }

    [TestCase(2)]
    [TestCase(4)]
    [TestCase(8)]
    [TestCase(16)]
    public void TheThreeMasksOfADrawAreComplementaryAndDisjoint(int k)
    {
        const int size = 48;
        var masks = MaskGenerator.Draw(k, size, new PythonRandom(5), Device.CPU);
        Assert.That(masks.shape, Is.EqualTo(new long[] { 3, size, size }));
        var values = TensorAssert.Values(masks);
        Assert.That(values.All(v => v is 0 or 1), Is.True, "binary masks");
        var n = size / k;
        var groupLength = (n * n + 2) / 3;
        var hiddenCells = new int[3];
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var hiddenBy = Enumerable.Range(0, 3).Where(i => values[(i * size + y) * size + x] == 0).ToList();
            Assert.That(hiddenBy, Has.Count.EqualTo(1), $"pixel ({y},{x}) is hidden by exactly one mask");
            // A cell is hidden as a whole: every pixel agrees with the cell's top-left pixel.
            var corner = (y / k * k * size) + x / k * k;
            Assert.That(values[hiddenBy[0] * size * size + corner], Is.EqualTo(0), $"cell of ({y},{x})");
            if (y % k == 0 && x % k == 0) hiddenCells[hiddenBy[0]]++;
        }
        // Official gen_mask: n² cells padded with −1 to a multiple of 3, cut into 3 runs; the padding lands in the last run.
        Assert.That(hiddenCells.Sum(), Is.EqualTo(n * n));
        Assert.That(hiddenCells[0], Is.EqualTo(groupLength));
        Assert.That(hiddenCells[1], Is.EqualTo(Math.Min(groupLength, n * n - groupLength)));
        Assert.That(hiddenCells[2], Is.EqualTo(n * n - hiddenCells[0] - hiddenCells[1]));
        Assert.That(MaskGenerator.Draw(k, size, new PythonRandom(5), Device.CPU).equal(masks), Is.True, "same seed, same masks");
        if (n > 1) Assert.That(MaskGenerator.Draw(k, size, new PythonRandom(6), Device.CPU).equal(masks), Is.False, "another seed, other cells");
    }

    [Test]
    public void AnImageSizeNotDivisibleByEveryKIsRejectedNamingTheField()
    {
        var options = new SsmOptions { KValues = [2, 4, 8, 3] };
        Assert.That(() => new SsmMethod(options), Throws.ArgumentException.With.Message.Contains("k_values").And.Message.Contains("k = 3").And.Message.Contains("128"));
        Assert.That(() => (new SsmOptions { Preprocessing = new Preprocessing(144, Normalization: Normalization.None), KValues = [2, 32] }).Validate(),
            Throws.ArgumentException.With.Message.Contains("k_values").And.Message.Contains("k = 32"));
        Assert.That(() => (new SsmOptions { Preprocessing = new Preprocessing(100, Normalization: Normalization.None) }).Validate(),
            Throws.ArgumentException.With.Message.Contains("image_size"));
        Assert.That(() => (new SsmOptions { RefinementGrid = 48 }).Validate(), Throws.ArgumentException.With.Message.Contains("refinement_grid"));
        Assert.That(() => (new SsmOptions { Patience = 20 }).Validate(), Throws.ArgumentException.With.Message.Contains("validation_ratio"));
        Assert.That(() => SsmOptions.RiadMVTec().Validate(), Throws.Nothing);
        Assert.That(() => SsmOptions.Defaults(Profile.Quick).Validate(), Throws.Nothing);
    }

    [Test]
    public void TheMaskBlockChangesOnlyVisiblePositions()
    {
        torch.manual_seed(1);
        using var block = new UNetMaskBlock(4);
        var input = T(RandomValues(2 * 4 * 8 * 8, 1, -1, 1), 2, 4, 8, 8);
        // A 16×16 mask, nearest-resized to 8×8 inside the block: the kept pixels are the even rows and columns.
        var maskValues = RandomValues(2 * 16 * 16, 2).Select(v => v < 0.5f ? 0f : 1f).ToArray();
        var mask = T(maskValues, 2, 1, 16, 16);
        var output = block.call(input, mask);
        Assert.That(output.shape, Is.EqualTo(input.shape));
        var (x, y) = (TensorAssert.Values(input), TensorAssert.Values(output));
        int visible = 0, changed = 0;
        for (var b = 0; b < 2; b++)
        for (var c = 0; c < 4; c++)
        for (var i = 0; i < 8; i++)
        for (var j = 0; j < 8; j++)
        {
            var at = ((b * 4 + c) * 8 + i) * 8 + j;
            if (maskValues[(b * 16 + 2 * i) * 16 + 2 * j] == 0)
            {
                Assert.That(y[at], Is.EqualTo(x[at]), $"hidden position ({b},{c},{i},{j}) passes through");
            }
            else
            {
                visible++;
                if (Math.Abs(y[at] - x[at]) > 1e-6) changed++;
            }
        }
        Assert.That(visible, Is.GreaterThan(0));
        Assert.That(changed, Is.EqualTo(visible), "the residual correction reaches every visible position");
    }

    [Test]
    public void TheUNetMapsAMaskedImageAndItsMaskToAnImageAndAMaskThroughATanhHead()
    {
        torch.manual_seed(2);
        using var network = new MaskedUNet(8);
        var input = T(RandomValues(2 * 4 * 32 * 32, 3), 2, 4, 32, 32);
        var output = network.call(input);
        Assert.That(output.shape, Is.EqualTo(new long[] { 2, 4, 32, 32 }));
        // The head is conv3×3 then tanh: with a zero kernel every output pixel of channel c is tanh(bias_c), whatever the
        // network before it computed (another activation, or none, gives other values).
        float[] bias = [2f, -3f, 0.5f, 0.02f];
        using (torch.no_grad())
        {
            network.get_parameter("conv_final.0.weight").zero_();
            network.get_parameter("conv_final.0.bias").copy_(T(bias, 4));
        }
        var head = TensorAssert.Values(network.call(input));
        for (var c = 0; c < 4; c++)
            Assert.That(Enumerable.Range(0, 2).SelectMany(b => head.Skip((b * 4 + c) * 32 * 32).Take(32 * 32)), Is.All.EqualTo(Math.Tanh(bias[c])).Within(1e-6), $"channel {c}");
        // The official module's names, so an official state dict would load key for key.
        var names = network.state_dict().Keys.ToList();
        Assert.That(names, Does.Contain("down1.conv1.weight").And.Contain("up4.upconv.weight").And.Contain("mask5.conv3.bias").And.Contain("conv_final.0.weight"));
        Assert.That(network.get_parameter("down2.conv1.weight").shape, Is.EqualTo(new long[] { 16, 8, 4, 4 }), "k4 s2 down-sampling convolution");
        Assert.That(network.get_parameter("mask1.conv2.weight").shape, Is.EqualTo(new long[] { 64, 65, 3, 3 }), "C+1 → C after the bottleneck (8c = 64)");
        Assert.That(() => network.call(input.narrow(1, 0, 3)), Throws.ArgumentException.With.Message.Contains("[B, 4, S, S]"));
        Assert.That(() => network.call(input.narrow(2, 0, 24).narrow(3, 0, 24)), Throws.ArgumentException.With.Message.Contains("multiple of 16"));
    }

    [Test]
    public void SsimOfAnImageWithItselfIsOneAndGmsLossIsZeroForIdenticalImages()
    {
        var x = T(RandomValues(2 * 3 * 32 * 32, 4), 2, 3, 32, 32);
        Assert.That(Ssim.Value(x, x).item<float>(), Is.EqualTo(1).Within(1e-5));
        Assert.That(Ssim.Loss(x, x).item<float>(), Is.EqualTo(0).Within(1e-5));
        Assert.That(GradientMagnitudeSimilarity.Loss(x, x).item<float>(), Is.EqualTo(0).Within(1e-6));
        // The score map of a perfect reconstruction is (1 − 4)/4 = −0.75 everywhere (official MSGMS_Score).
        var score = TensorAssert.Values(GradientMagnitudeSimilarity.ScoreMap(x, x));
        Assert.That(score, Has.All.EqualTo(-0.75).Within(1e-6));
        Assert.That(GradientMagnitudeSimilarity.ScoreMap(x, x).shape, Is.EqualTo(new long[] { 2, 1, 32, 32 }));
    }

    [Test]
    public void LossTermsOnAHandMadePairEqualTheirDefinitions()
    {
        // 32 px: the fourth scale is 4×4, a 2×2 GMS map (16 px would leave nothing at that scale).
        const int size = 32;
        var a = RandomValues(3 * size * size, 7);
        var b = a.Select((v, i) => v + 0.3f * MathF.Sin(i)).ToArray();
        var x = T(a, 1, 3, size, size);
        var y = T(b, 1, 3, size, size);
        Assert.That(torch.nn.functional.mse_loss(y, x).item<float>(), Is.EqualTo(a.Zip(b, (p, q) => (double)(p - q) * (p - q)).Average()).Within(1e-6));
        Assert.That(Ssim.Value(x, y).item<float>(), Is.EqualTo(SsimByDefinition(a, b, 3, size)).Within(1e-5));
        Assert.That(GradientMagnitudeSimilarity.Loss(x, y).item<float>(), Is.EqualTo(MsgmsLossByDefinition(a, b, size)).Within(1e-5));

        // Hand values. Two flat images of different grey (0.2, 0.7): inside, no gradient in either, so GMS = (2ε + c)/(2ε + c) = 1 —
        // the term sees structure, not brightness. At a corner kornia's zero padding leaves 5 zeros of 9 in the median window,
        // so the blurred corner pixel is 0 and its neighbours v: the first Prewitt window gives g_x = v/3, g_y = (0 + v + v − 3v)/3
        // = −v/3, g = v·√2/3, and GMS = (2·g1·g2 + c)/(g1² + g2² + c) = (0.56/9 + c)/(1.06/9 + c).
        var flatMap = TensorAssert.Values(GradientMagnitudeSimilarity.Map(torch.full([1, 3, size, size], 0.2), torch.full([1, 3, size, size], 0.7)));
        Assert.That(flatMap[0], Is.EqualTo((0.56 / 9 + GradientMagnitudeSimilarity.C) / (1.06 / 9 + GradientMagnitudeSimilarity.C)).Within(1e-5));
        Assert.That(flatMap[5 * (size - 2) + 5], Is.EqualTo(1).Within(1e-9));
        // A vertical step 0 | 1 against a flat 0: at the column pair where the blurred grey jumps, Prewitt_x = 1/3·3·1 = 1,
        // g = 1 vs g_r = sqrt(ε) → GMS = c/(1 + c); elsewhere GMS = 1.
        var step = T(Enumerable.Range(0, 16 * 16).Select(i => i % 16 >= 8 ? 1f : 0f).ToArray(), 1, 1, 16, 16).expand(1, 3, 16, 16);
        var flat = torch.zeros([1, 3, 16, 16]);
        var gms = TensorAssert.Values(GradientMagnitudeSimilarity.Map(step, flat));
        const double c = GradientMagnitudeSimilarity.C;
        // Row 5 (input rows 5..7) is away from the zero padding, where the median keeps the step at column 8.
        Assert.That(gms[5 * 14 + 6], Is.EqualTo(c / (1 + c)).Within(1e-6), "output column 6 sees input columns 6..8");
        Assert.That(gms[5 * 14 + 7], Is.EqualTo(c / (1 + c)).Within(1e-6));
        Assert.That(gms[5 * 14 + 2], Is.EqualTo(1).Within(1e-9));
        Assert.That(gms[5 * 14 + 8], Is.EqualTo(1).Within(1e-9));

        // Mask loss: a predicted mask of 0.5 everywhere is 0.5 away from any binary mask: 3 passes × 0.25 = 0.75.
        var masks = MaskGenerator.Draw(4, size, new PythonRandom(1), Device.CPU);
        var half = torch.full([3, 2, 1, size, size], 0.5);
        Assert.That(SsmLoss.MaskLoss(half, Inpainting.Batched(masks, torch.zeros([2, 3, size, size]))).item<float>(), Is.EqualTo(0.75).Within(1e-7));
    }

    [Test]
    public void TheTotalLossIsTheWeightedSumOfItsTerms()
    {
        torch.manual_seed(3);
        using var network = new MaskedUNet(4);
        var x = T(RandomValues(2 * 3 * 32 * 32, 8), 2, 3, 32, 32);
        var masks = MaskGenerator.Draw(2, 32, new PythonRandom(2), Device.CPU);
        using var inpainted = Inpainting.Run(network, x, masks);
        using var terms = new SsmLoss(Gamma: 2, Alpha: 3, Beta: 5).Compute(x, inpainted, masks);
        var expected = 2 * terms.Mse.item<float>() + 3 * terms.Msgms.item<float>() + 5 * terms.Ssim.item<float>() + terms.Mask.item<float>();
        Assert.That(terms.Total.item<float>(), Is.EqualTo(expected).Within(1e-5));
        // The composite takes each pixel from the pass that hid it: with masks of cell 2 every pixel is hidden once.
        Assert.That(inpainted.Composite.shape, Is.EqualTo(new long[] { 2, 3, 32, 32 }));
        Assert.That(inpainted.PredictedMasks.shape, Is.EqualTo(new long[] { 3, 2, 1, 32, 32 }));
        terms.Total.backward();
        Assert.That(network.get_parameter("down1.conv1.weight").grad, Is.Not.Null, "the loss reaches the encoder");
    }

    [Test]
    public void RefinementUncoversExactlyTheBlocksAboveTheRatio()
    {
        // A 32×32 map, grid 4 → blocks of 8×8 = 64 pixels. Confidently normal = 255·score ≤ −0.96 (score −1 here).
        // Block (0,0): 64/64 and (0,1): 52/64 = 0.8125 are above 0.8; (1,0): 51/64 = 0.797 and (2,2): 1/64 are not.
        var map = new float[32 * 32];
        void Fill(int blockRow, int blockColumn, int count)
        {
            for (var p = 0; p < count; p++) map[(blockRow * 8 + p / 8) * 32 + blockColumn * 8 + p % 8] = -1f;
        }
        Fill(0, 0, 64);
        Fill(0, 1, 52);
        Fill(1, 0, 51);
        Fill(2, 2, 1);
        var confident = ProgressiveMaskRefinement.ConfidentlyNormal(T(map, 1, 32, 32), 0.96);
        Assert.That(TensorAssert.Values(confident).Sum(), Is.EqualTo(64 + 52 + 51 + 1));
        var uncovered = TensorAssert.Values(ProgressiveMaskRefinement.UncoveredBlocks(confident, 4, 0.8));
        for (var i = 0; i < 32; i++)
        for (var j = 0; j < 32; j++)
        {
            var expected = (i / 8, j / 8) is (0, 0) or (0, 1) ? 1 : 0;
            Assert.That(uncovered[i * 32 + j], Is.EqualTo(expected), $"pixel ({i},{j})");
        }
        // The ratio is a strict bound (official mean() > ratio): a block exactly at the ratio stays covered.
        var exact = TensorAssert.Values(ProgressiveMaskRefinement.UncoveredBlocks(confident, 4, 52.0 / 64));
        Assert.That(exact[0 * 32 + 8], Is.EqualTo(0));
        Assert.That(exact[0], Is.EqualTo(1));
        // The threshold compares 255·score: −0.96/255 is confidently normal, a hair above is not.
        var edge = TensorAssert.Values(ProgressiveMaskRefinement.ConfidentlyNormal(T([(float)(-0.961 / 255), (float)(-0.959 / 255)], 1, 1, 2), 0.96));
        Assert.That(edge, Is.EqualTo(new double[] { 1, 0 }));
    }

    [Test]
    public void UncoveredPixelsAreTakenFromTheInputInTheRefinedPass()
    {
        torch.manual_seed(4);
        using var network = new MaskedUNet(4);
        network.eval();
        var x = T(RandomValues(2 * 3 * 32 * 32, 9), 2, 3, 32, 32);
        var options = new SsmOptions { Preprocessing = new Preprocessing(32, Normalization: Normalization.None), RefinementGrid = 4, Sigma = 0 };
        using var noGrad = torch.no_grad();
        using var first = ProgressiveMaskRefinement.Score(network, x, options with { RefinementRounds = 0 });
        Assert.That(first.Mse.shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(TensorAssert.Values(first.Mse), Has.All.GreaterThan(0.01), "an untrained network does not reconstruct");
        // Threshold −∞ in effect: every pixel confidently normal, every block uncovered → the refined pass is the input itself.
        using var refined = ProgressiveMaskRefinement.Score(network, x, options with { Threshold = -1e30, Ratio = 0 });
        Assert.That(TensorAssert.Values(refined.Mse), Has.All.EqualTo(0));
        var perfect = -0.75 * options.KValues.Sum(k => 1.0 / ((32 / k) * (32 / k)));
        Assert.That(TensorAssert.Values(refined.Map), Has.All.EqualTo(perfect).Within(1e-7), "Σ_k −0.75/N_k² on a perfect reconstruction");
        // Nothing confidently normal: the refined pass re-masks everything with seed + 1, a different score from pass 0.
        using var unchanged = ProgressiveMaskRefinement.Score(network, x, options with { Threshold = 1e30 });
        Assert.That(unchanged.Map.equal(first.Map), Is.False);
    }

    [Test]
    public void TheMapIsSmoothedAlongEachRowAsTestPyAtBatchOneOrIn2DOnRequest()
    {
        torch.manual_seed(5);
        using var network = new MaskedUNet(4);
        network.eval();
        var x = T(RandomValues(2 * 3 * 32 * 32, 10), 2, 3, 32, 32);
        var options = new SsmOptions { Preprocessing = new Preprocessing(32, Normalization: Normalization.None), RefinementRounds = 0, Sigma = 0 };
        using var noGrad = torch.no_grad();
        using var raw = ProgressiveMaskRefinement.Score(network, x, options);
        using var rows = ProgressiveMaskRefinement.Score(network, x, options with { Sigma = 3 });
        using var image = ProgressiveMaskRefinement.Score(network, x, options with { Sigma = 3, Smoothing = MapSmoothing.Image });
        Assert.That(new SsmOptions().Smoothing, Is.EqualTo(MapSmoothing.Rows), "the official test.py default (batch 1)");
        // The default: scipy's gaussian_filter on each row as a 1-D array (test.py's loop over score.squeeze()'s rows).
        var expectedRows = torch.nn.functional.gaussian_filter1d(raw.Map.unsqueeze(1), 3, dim: 3).squeeze(1);
        Assert.That(rows.Map.allclose(expectedRows, atol: 1e-7), Is.True);
        Assert.That(image.Map.allclose(torch.nn.functional.gaussian_blur(raw.Map.unsqueeze(1), 3).squeeze(1), atol: 1e-7), Is.True);
        Assert.That(rows.Map.allclose(image.Map, atol: 1e-4), Is.False, "1-D and 2-D smoothing differ on a real map");
    }

    [Test]
    public void TheRefinementThresholdKeepsItsRatioToAPerfectReconstruction()
    {
        // 255 × Σ_k −0.75/N_k²: at the official 128 px with k = 2, 4, 8, N = 64, 32, 16.
        Assert.That(SsmOptions.PerfectReconstructionScore(128, [2, 4, 8]), Is.EqualTo(255 * -0.75 * (1.0 / 4096 + 1.0 / 1024 + 1.0 / 256)).Within(1e-12));
        Assert.That(SsmOptions.ScaledThreshold(128, [2, 4, 8]), Is.EqualTo(0.96).Within(1e-12), "the official setting keeps 0.96");
        Assert.That(SsmOptions.Defaults(Profile.Quick).Threshold, Is.EqualTo(0.96 * 16).Within(1e-9), "32 px: every weight 16 times larger");
        Assert.That(SsmOptions.RiadMVTec().Threshold, Is.EqualTo(0.96 * (1.0 / 16384 + 1.0 / 4096 + 1.0 / 1024 + 1.0 / 256) / (1.0 / 4096 + 1.0 / 1024 + 1.0 / 256)).Within(1e-12));
    }

    [Test]
    public void TestSetRescoringIsTheOfficialMinMaxOfMapAndMse()
    {
        using var method = new SsmMethod(new SsmOptions { ScoreNorm = ScoreNormalization.Test });
        Assert.That(method.UsesTestSetStatistics, Is.True);
        Assert.That(method.TestSetProtocol, Does.Contain("transductive"));
        // Parts (map max, map min, mse). Map range over all pixels [−1, 3]; MSE range [0.1, 0.5].
        var scores = method.Rescore([[1f, -1f, 0.1f], [3f, 0f, 0.5f], [2f, 0.5f, 0.2f]]);
        Assert.That(scores, Is.EqualTo(new[] { 0.5f + 0f, 1f + 1f, 0.75f + 0.25f }).Within(1e-6));
        using var inductive = new SsmMethod(new SsmOptions());
        Assert.That(inductive.UsesTestSetStatistics, Is.False);
    }

    [Test]
    public void TheLearningRateFollowsTheOfficialStepDecay()
    {
        using var method = new SsmMethod(new SsmOptions());
        Assert.That(new[] { 1, 14, 15, 29, 30, 44, 45, 50 }.Select(method.LearningRate),
            Is.EqualTo(new[] { 1e-4, 1e-4, 1e-5, 1e-5, 1e-6, 1e-6, 1e-7, 1e-7 }).Within(1e-15));
        using var riad = new SsmMethod(SsmOptions.RiadMVTec());
        Assert.That(new[] { 249, 250, 300 }.Select(riad.LearningRate), Is.EqualTo(new[] { 1e-4, 1e-5, 1e-5 }).Within(1e-15));
    }

    /// <summary>ssim_loss.py::_ssim written out: 11×11 Gaussian (σ 1.5) window, zero padding 5, per channel, mean of the map.</summary>
    private static double SsimByDefinition(float[] a, float[] b, int channels, int size)
    {
        var g = Enumerable.Range(0, 11).Select(i => Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5))).ToArray();
        var total = g.Sum();
        g = g.Select(v => v / total).ToArray();
        double At(float[] image, int c, int i, int j) => i < 0 || j < 0 || i >= size || j >= size ? 0 : image[(c * size + i) * size + j];
        double sum = 0;
        for (var c = 0; c < channels; c++)
        for (var i = 0; i < size; i++)
        for (var j = 0; j < size; j++)
        {
            double m1 = 0, m2 = 0, s11 = 0, s22 = 0, s12 = 0;
            for (var u = -5; u <= 5; u++)
            for (var v = -5; v <= 5; v++)
            {
                var w = g[u + 5] * g[v + 5];
                var (p, q) = (At(a, c, i + u, j + v), At(b, c, i + u, j + v));
                m1 += w * p;
                m2 += w * q;
                s11 += w * p * p;
                s22 += w * q * q;
                s12 += w * p * q;
            }
            var (v1, v2, cov) = (s11 - m1 * m1, s22 - m2 * m2, s12 - m1 * m2);
            const double c1 = 0.0001, c2 = 0.0009;
            sum += (2 * m1 * m2 + c1) * (2 * cov + c2) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
        }
        return sum / (channels * size * size);
    }

    /// <summary>gms_loss.py::MSGMS_Loss written out: channel mean, 3×3 zero-padded median, Prewitt/3 valid, c = 0.0026, 4 scales by 2×2 means.</summary>
    private static double MsgmsLossByDefinition(float[] a, float[] b, int size)
    {
        double[,] Grey(float[] image, int n)
        {
            var grey = new double[n, n];
            for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                grey[i, j] = (image[(0 * n + i) * n + j] + image[(1 * n + i) * n + j] + image[(2 * n + i) * n + j]) / 3.0;
            return grey;
        }
        float[] Pool(float[] image, int n)
        {
            var half = n / 2;
            var pooled = new float[3 * half * half];
            for (var c = 0; c < 3; c++)
            for (var i = 0; i < half; i++)
            for (var j = 0; j < half; j++)
                pooled[(c * half + i) * half + j] = (image[(c * n + 2 * i) * n + 2 * j] + image[(c * n + 2 * i) * n + 2 * j + 1]
                    + image[(c * n + 2 * i + 1) * n + 2 * j] + image[(c * n + 2 * i + 1) * n + 2 * j + 1]) / 4f;
            return pooled;
        }
        double[,] Magnitude(double[,] grey, int n)
        {
            var median = new double[n, n];
            for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var window = new List<double>();
                for (var u = -1; u <= 1; u++)
                for (var v = -1; v <= 1; v++)
                    window.Add(i + u < 0 || j + v < 0 || i + u >= n || j + v >= n ? 0 : grey[i + u, j + v]);
                window.Sort();
                median[i, j] = window[4];
            }
            var g = new double[n - 2, n - 2];
            for (var i = 0; i < n - 2; i++)
            for (var j = 0; j < n - 2; j++)
            {
                double gx = 0, gy = 0;
                for (var u = 0; u < 3; u++)
                {
                    gx += (median[i + u, j + 2] - median[i + u, j]) / 3;
                    gy += (median[i, j + u] - median[i + 2, j + u]) / 3;
                }
                g[i, j] = Math.Sqrt(gx * gx + gy * gy + 2.220446049250313e-16);
            }
            return g;
        }
        double total = 0;
        var n = size;
        for (var s = 0; s < 4; s++)
        {
            if (s > 0)
            {
                (a, b) = (Pool(a, n), Pool(b, n));
                n /= 2;
            }
            var (g1, g2) = (Magnitude(Grey(a, n), n), Magnitude(Grey(b, n), n));
            double sum = 0;
            foreach (var (p, q) in g1.Cast<double>().Zip(g2.Cast<double>()))
                sum += 1 - (2 * p * q + 0.0026) / (p * p + q * q + 0.0026);
            total += sum / ((n - 2) * (n - 2));
        }
        return total / 4;
    }
}
