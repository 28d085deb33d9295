using AnomalyBench.Methods.Cfa;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Tests.Methods.Cfa;

/// <summary>
/// The blocked Eq. 4 scoring (<see cref="PatchScorer.Score"/>) gives bit-for-bit what the official DSVDD expression
/// gives when it builds the whole [B, P, N] distance tensor: the optimisation of issue 23 changes no output.
/// </summary>
public class CfaScoreBlockingTests
{
    /// <summary>utils/cfa.py, eval branch: the full distance tensor, sqrt, top-K, softmin weight (clamped as ours).</summary>
    private static Tensor Official(Tensor features, Tensor bank, int k)
    {
        using var scope = torch.NewDisposeScope();
        var distances = CoupledHypersphereLoss.SquaredDistances(features, bank).clamp_min(0).sqrt();
        var nearest = distances.topk(Math.Min(k, bank.size(0)), dim: 2, largest: false, sorted: true).values;
        var certainty = functional.softmax(-nearest, 2).select(2, 0);
        return (certainty * nearest.select(2, 0)).MoveToOuterDisposeScope();
    }

    // The method's own layout: φ [B, D, H, W] flattened and transposed, so the features are a non-contiguous view.
    private static (Tensor Expected, Tensor Actual) BothWays(int batch, int dimension, int side, int bankSize, int k)
    {
        torch.manual_seed(7);
        using var noGrad = torch.no_grad();
        using var phi = torch.randn([batch, dimension, side, side]).relu();
        using var features = phi.flatten(2).transpose(1, 2);
        using var bank = torch.randn([bankSize, dimension]).relu();
        return (Official(features, bank, k), PatchScorer.Score(features, bank, k));
    }

    [TestCase(4, 448, 56, 3136, 3, TestName = "ResNet-18 at 224 px, batch 4, a 3136-entry bank (the official setting)")]
    [TestCase(4, 448, 32, 1024, 3, TestName = "ResNet-18 at 128 px, batch 4, a 1024-entry bank (the quick profile)")]
    [TestCase(1, 448, 56, 3136, 3, TestName = "the official setting at batch 1")]
    public void BlockedScoresEqualTheWholeTensorsBitForBit(int batch, int dimension, int side, int bankSize, int k)
    {
        var (expected, actual) = BothWays(batch, dimension, side, bankSize, k);
        using (expected)
        using (actual)
        {
            Assert.That(actual.shape, Is.EqualTo(expected.shape));
            Assert.That(actual.equal(expected), Is.True, "every score equal to the last bit");
        }
    }

    // With a row count that is not a multiple of 8, OpenBLAS splits the whole product between its threads at a row
    // that is not a micro-kernel boundary, so the official tensor itself depends on the thread count there: the
    // blocked scores are then as close as two thread counts are, not identical.
    [TestCase(3, 64, 27, 1000, 3, TestName = "rows not a multiple of 8, bank not a multiple of 8")]
    [TestCase(1, 32, 9, 2, 3, TestName = "K larger than the bank")]
    public void BlockedScoresMatchTheWholeTensorsToRounding(int batch, int dimension, int side, int bankSize, int k)
    {
        var (expected, actual) = BothWays(batch, dimension, side, bankSize, k);
        using (expected)
        using (actual)
        using (var difference = (actual - expected).abs().max())
        using (var scale = expected.abs().max())
        {
            Assert.That(actual.shape, Is.EqualTo(expected.shape));
            Assert.That(difference.item<float>(), Is.LessThanOrEqualTo(1e-6 * scale.item<float>()));
        }
    }

    [Test]
    public void SeveralBlocksAreUsedAtTheOfficialSetting()
    {
        // The first case must really be cut into blocks, or it proves nothing about them.
        var rowsPerBlock = PatchScorer.RowsPerBlock(3136, Device.CPU);
        Assert.That(4 * 56 * 56 / rowsPerBlock, Is.GreaterThan(10));
        Assert.That(rowsPerBlock % PatchScorer.RowAlignment, Is.Zero, "blocks start at micro-kernel boundaries");
    }
}
