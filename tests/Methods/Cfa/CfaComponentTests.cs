using AnomalyBench.Methods.Cfa;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Cfa;

/// <summary>CFA's parts against hand-computed values: CoordConv, descriptor fusion, loss and its r gradient, bank, scoring, k-means.</summary>
public class CfaComponentTests
{
    [Test]
    public void CoordConvAppendsRowThenColumnCoordinatesInMinusOneToOne()
    {
        using var input = torch.zeros(2, 3, 3, 5);
        using var withCoordinates = CoordConv2d.AddCoordinates(input);
        Assert.That(withCoordinates.shape, Is.EqualTo(new long[] { 2, 5, 3, 5 }));
        var values = TensorAssert.Values(withCoordinates);
        for (var b = 0; b < 2; b++)
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 5; j++)
        {
            // Official AddCoords: xx = row index/(H−1)·2−1, yy = column index/(W−1)·2−1.
            Assert.That(values[((b * 5 + 3) * 3 + i) * 5 + j], Is.EqualTo(i / 2.0 * 2 - 1).Within(1e-7), "row channel");
            Assert.That(values[((b * 5 + 4) * 3 + i) * 5 + j], Is.EqualTo(j / 4.0 * 2 - 1).Within(1e-7), "column channel");
            for (var c = 0; c < 3; c++) Assert.That(values[((b * 5 + c) * 3 + i) * 5 + j], Is.Zero, "input kept");
        }
    }

    [Test]
    public void CoordConvIsAOneByOneConvolutionWithBiasOverCPlusTwoChannels()
    {
        torch.manual_seed(0);
        using var layer = new CoordConv2d(4, 2);
        Assert.That(layer.conv.weight.shape, Is.EqualTo(new long[] { 2, 6, 1, 1 }));
        Assert.That(layer.conv.bias!.shape, Is.EqualTo(new long[] { 2 }));
        // PyTorch's default init: weights and bias within ±1/√fan_in.
        var bound = 1 / Math.Sqrt(6);
        Assert.That(TensorAssert.Values(layer.conv.weight).All(v => Math.Abs(v) <= bound), Is.True);
        using var input = torch.randn(1, 4, 3, 3);
        using var output = layer.call(input);
        using var withCoordinates = CoordConv2d.AddCoordinates(input);
        using var expected = torch.nn.functional.conv2d(withCoordinates, layer.conv.weight, layer.conv.bias);
        Assert.That(output.allclose(expected), Is.True);
    }

    [Test]
    public void FusionPoolsEachLevelThenUpsamplesThePooledMaps()
    {
        // A 2×2 level of ones: 3×3 average pooling with count_include_pad gives 4/9 everywhere (each window
        // covers the 4 pixels and 5 zeros of padding); upsampled to 4×4 it stays 4/9.
        using var fine = torch.zeros(1, 1, 4, 4);
        using var coarse = torch.ones(1, 1, 2, 2);
        using var fused = Descriptor.Fuse([fine, coarse]);
        Assert.That(fused.shape, Is.EqualTo(new long[] { 1, 2, 4, 4 }));
        var values = TensorAssert.Values(fused);
        Assert.That(values.Take(16).All(v => v == 0), Is.True);
        Assert.That(values.Skip(16).All(v => Math.Abs(v - 4.0 / 9) < 1e-6), Is.True);
    }

    /// <summary>
    /// One-dimensional features, bank {0, ±0.1, ±0.2, 0.3, 10}, r = 0.5 (r² = 0.25), α = 0.1, ν = 1e-3, K = J = 3.
    /// Patch A at 0: squared distances 0, .01, .01 | .04, .04, .09 → no attraction, repulsion
    /// (0.25−0.04−0.1) + (0.25−0.04−0.1) + (0.25−0.09−0.1) = 0.28. Patch B at 3: 7.29, 7.84, 8.41 | 9, 9.61, 10.24 →
    /// attraction (7.29+7.84+8.41) − 3·0.25 = 22.79, no repulsion. Means over 2 patches × 3 neighbours, ×1000:
    /// L_att = 22790/6, L_rep = 280/6. ∂L_att/∂r = 1000·3·(−2r)/6 = −500, ∂L_rep/∂r = 1000·3·(2r)/6 = +500.
    /// </summary>
    [Test]
    public void LossEqualsTheHandComputedTermsAndRadiusGradient()
    {
        using var bank = torch.from_array(new float[] { 0, 0.1f, -0.1f, 0.2f, -0.2f, 0.3f, 10 }, [7, 1]);
        using var features = torch.from_array(new float[] { 0, 3 }, [1, 2, 1]);
        using var loss = new CoupledHypersphereLoss(3, 3, 0.1, 1e-3, 0.5);
        var terms = loss.forward(features, bank);
        using (terms.Attraction)
        using (terms.Repulsion)
        using (terms.Total)
        {
            Assert.That(terms.Attraction.item<float>(), Is.EqualTo(22790.0 / 6).Within(0.05));
            Assert.That(terms.Repulsion.item<float>(), Is.EqualTo(280.0 / 6).Within(0.05));
            Assert.That(terms.Total.item<float>(), Is.EqualTo(23070.0 / 6).Within(0.05));
            terms.Attraction.backward(retain_graph: true);
            using (var attractionGrad = loss.r.grad!)
            {
                Assert.That(attractionGrad.item<float>(), Is.EqualTo(-500).Within(1e-2));
                attractionGrad.zero_();
            }
            terms.Repulsion.backward();
            using var repulsionGrad = loss.r.grad!;
            Assert.That(repulsionGrad.item<float>(), Is.EqualTo(500).Within(1e-2));
        }
    }

    [Test]
    public void MemoryBankIsThePerLocationMeanOverAllBatches()
    {
        // Three batches of two [2, D=3, H=2, W=2] maps with values v = 100·image + 10·channel + location.
        var all = new List<float[]>();
        using var bank = new MemoryBank();
        for (var batch = 0; batch < 3; batch++)
        {
            var values = new float[2 * 3 * 4];
            for (var b = 0; b < 2; b++)
            for (var c = 0; c < 3; c++)
            for (var l = 0; l < 4; l++)
                values[(b * 3 + c) * 4 + l] = 100f * (batch * 2 + b) * (l + 1) + 10f * c + l;
            all.Add(values);
            using var features = torch.from_array(values, [2, 3, 2, 2]);
            bank.Add(features);
        }
        using var result = bank.ToBank();
        Assert.That(result.shape, Is.EqualTo(new long[] { 4, 3 }));
        var expected = new double[4 * 3];
        for (var l = 0; l < 4; l++)
        for (var c = 0; c < 3; c++)
            expected[l * 3 + c] = all.SelectMany(v => new[] { v[(0 * 3 + c) * 4 + l], v[(1 * 3 + c) * 4 + l] }).Average(x => (double)x);
        TensorAssert.Close(result, expected, [4, 3], 1e-3);
    }

    [Test]
    public void ScoreIsTheNearestDistanceTimesItsSoftminWeight()
    {
        // Bank {0, 1, 3, 10}, patch at 0.5: distances 0.5, 0.5, 2.5 → A = 0.5·e^−0.5/(2e^−0.5 + e^−2.5).
        using var bank = torch.from_array(new float[] { 0, 1, 3, 10 }, [4, 1]);
        using var features = torch.from_array(new float[] { 0.5f, 10 }, [1, 2, 1]);
        using var scores = PatchScorer.Score(features, bank, 3);
        var expected = 0.5 * Math.Exp(-0.5) / (2 * Math.Exp(-0.5) + Math.Exp(-2.5));
        // Patch at 10 sits on a bank entry: d_1 = 0 (clamped, not NaN), score 0.
        TensorAssert.Close(scores, [expected, 0], [1, 2], 1e-5);
    }

    [Test]
    public void KMeansReducesTheBankToTheAskedSizeAndLowersTheWithinClusterDistance()
    {
        torch.manual_seed(1);
        using var offsets = torch.from_array(new float[] { 0, 0, 0, 5, 5, 0, 5, 5 }, [4, 1, 2]);
        using var noise = torch.randn(4, 40, 2);
        using var grouped = offsets + noise;
        using var points = grouped.reshape(160, 2);
        torch.manual_seed(2);
        using var seeding = KMeans.Fit(points, 8, maxIterations: 0);
        torch.manual_seed(2);
        using var centres = KMeans.Fit(points, 8, maxIterations: 300);
        Assert.That(centres.shape, Is.EqualTo(new long[] { 8, 2 }));
        var (seeded, fitted) = (KMeans.Inertia(points, seeding), KMeans.Inertia(points, centres));
        TestContext.Out.WriteLine($"inertia: k-means++ seeding {seeded:F1}, after Lloyd {fitted:F1}");
        Assert.That(fitted, Is.LessThan(seeded));
        Assert.That(TensorAssert.Values(centres).All(double.IsFinite), Is.True);
    }
}
