using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>Patch scores (squared L2 to the nearest bank entries), the chunked search, and Eq. 7.</summary>
[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class NearestNeighbourScorerTests(Device device)
{
    private static readonly double[][] s_bank = RandomRows(new Random(21), 300, 16, 3);
    private static readonly double[][] s_queries = RandomRows(new Random(22), 57, 16, 3);

    [TestCase(1)]
    [TestCase(3)]
    public void SquaredDistancesToTheNearestEntriesMatchBruteForce(int k)
    {
        using var bank = ToTensor(s_bank, device);
        using var scorer = new NearestNeighbourScorer(bank.alias());
        using var queries = ToTensor(s_queries, device);
        var (distances, indices) = scorer.Search(queries, k);
        using (distances)
        using (indices)
        {
            Assert.That(distances.shape, Is.EqualTo(new long[] { 57, k }));
            var actual = Rows(distances);
            var actualIndices = Rows(indices);
            for (var q = 0; q < s_queries.Length; q++)
            {
                var expected = s_bank.Select((b, i) => (Distance: SquaredDistance(s_queries[q], b), Index: i)).OrderBy(p => p.Distance).Take(k).ToArray();
                for (var j = 0; j < k; j++)
                {
                    Assert.That(actual[q][j], Is.EqualTo(expected[j].Distance).Within(1e-4 * (1 + expected[j].Distance)), $"query {q}, neighbour {j}");
                    Assert.That((int)actualIndices[q][j], Is.EqualTo(expected[j].Index), $"query {q}, neighbour {j}");
                }
            }
        }
    }

    [Test]
    public void ChunkingDoesNotChangeTheResults()
    {
        using var bank = ToTensor(s_bank, device);
        using var queries = ToTensor(s_queries, device);
        using var whole = new NearestNeighbourScorer(bank.alias(), chunk: 4096);
        using var chunked = new NearestNeighbourScorer(bank.alias(), chunk: 7);
        var (d1, i1) = whole.Search(queries, 4);
        var (d2, i2) = chunked.Search(queries, 4);
        using (d1)
        using (i1)
        using (d2)
        using (i2)
        {
            Assert.That(TensorAssert.Values(d2), Is.EqualTo(TensorAssert.Values(d1)).Within(1e-4));
            Assert.That(TensorAssert.Values(i2), Is.EqualTo(TensorAssert.Values(i1)));
        }
    }

    [Test]
    public void ReweightedScoresFollowEquationSeven()
    {
        // Two "images" of 19 patches each; b = 5.
        const int b = 5;
        var patches = RandomRows(new Random(23), 38, 16, 3);
        using var bank = ToTensor(s_bank, device);
        using var scorer = new NearestNeighbourScorer(bank.alias(), chunk: 64);
        using var queries = ToTensor(patches, device);
        var (squared, nearest) = scorer.Search(queries, 1);
        using (squared)
        using (nearest)
        using (var perImage = queries.view(2, 19, 16))
        using (var s = squared.view(2, 19))
        using (var n = nearest.view(2, 19))
        using (var scores = scorer.ReweightedImageScores(perImage, s, n, b))
        {
            var actual = TensorAssert.Values(scores);
            for (var image = 0; image < 2; image++)
            {
                var own = patches.Skip(image * 19).Take(19).ToArray();
                // Eq. 6: m^{test,*} is the patch farthest from its nearest bank entry m^*.
                var nearestOf = own.Select(p => s_bank.Select((m, i) => (D: Math.Sqrt(SquaredDistance(p, m)), I: i)).MinBy(t => t.D)).ToArray();
                var worst = Enumerable.Range(0, 19).MaxBy(i => nearestOf[i].D);
                var (sStar, mStar) = nearestOf[worst];
                // N_b(m^*): the b bank entries nearest to m^* (m^* itself first).
                var support = s_bank.Select((m, i) => (D: SquaredDistance(s_bank[mStar], m), I: i)).OrderBy(t => t.D).Take(b).Select(t => t.I);
                var denominator = support.Sum(i => Math.Exp(Math.Sqrt(SquaredDistance(own[worst], s_bank[i]))));
                var expected = (1 - Math.Exp(sStar) / denominator) * sStar;
                Assert.That(actual[image], Is.EqualTo(expected).Within(1e-4 * expected), $"image {image}");
            }
        }
    }

    [Test]
    public void SearchLeavesNoTensorBehind()
    {
        using var bank = ToTensor(s_bank, device);
        using var scorer = new NearestNeighbourScorer(bank.alias(), chunk: 50);
        using var queries = ToTensor(s_queries, device);
        var (d0, i0) = scorer.Search(queries, 2);
        d0.Dispose();
        i0.Dispose();
        var live = LiveTensors();
        var (d, i) = scorer.Search(queries, 2);
        d.Dispose();
        i.Dispose();
        Assert.That(LiveTensors(), Is.EqualTo(live));
    }
}
