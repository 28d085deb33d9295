using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReConPatch;

/// <summary>
/// The pseudo-labels (ReConPatch §3.2, STML's construction) on six points of a line, x = 0, 1, 3, 7, 12, 18 (gaps
/// 1, 2, 4, 5, 6: no ties in any ranking), computed by hand in the comments.
/// </summary>
public class PseudoLabelTests
{
    private static readonly double[] s_x = [0, 1, 3, 7, 12, 18];

    private static Tensor Points()
    {
        // Two coordinates, the second 0, so the points are embeddings of dimension 2; float64 keeps the tiny
        // similarities of far pairs apart from each other.
        var data = s_x.SelectMany(x => new[] { x, 0.0 }).ToArray();
        return torch.from_array(data, [6, 2]);
    }

    [Test]
    public void PairwiseSimilarityIsTheGaussianOfTheSquaredDistance()
    {
        using var z = Points();
        using var w = PseudoLabels.Pairwise(z, sigma: 4);
        var expected = new double[36];
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
                expected[i * 6 + j] = Math.Exp(-(s_x[i] - s_x[j]) * (s_x[i] - s_x[j]) / 4);
        // e.g. w(0,1) = e^(−1/4), w(2,3) = e^(−16/4), diagonal e^0 = 1; symmetric by construction.
        TensorAssert.Close(w, expected, [6, 6], 1e-12);
        Assert.That(TensorAssert.Values(w.t().contiguous()), Is.EqualTo(TensorAssert.Values(w)));
    }

    [Test]
    public void ContextualSimilarityFollowsTheMutualNeighbourOverlapWithQueryExpansion()
    {
        // k = 3 (self included). Nearest sets in rank order: N0 = [0,1,2], N1 = [1,0,2], N2 = [2,1,0],
        // N3 = [3,2,4], N4 = [4,3,5], N5 = [5,4,3]. Mutual sets: V0 = V1 = V2 = {0,1,2}, V3 = {3,4} (2 does not
        // have 3 among its neighbours), V4 = {3,4,5}, V5 = {4,5}.
        // w̃_ij = |V_i ∩ V_j| / |V_i| on V_i: rows 0–2 are 1 on {0,1,2}; row 3 = [0,0,0,1,1,0];
        // row 4 = [0,0,0,2/3,1,2/3]; row 5 = [0,0,0,0,1,1].
        // Query expansion over round(3/2) = 2 nearest (self and the first neighbour): ŵ_0 = ŵ_1 = ŵ_2 = [1,1,1,0,0,0],
        // ŵ_3 = (w̃_3 + w̃_2)/2 = [.5,.5,.5,.5,.5,0], ŵ_4 = (w̃_4 + w̃_3)/2 = [0,0,0,5/6,1,1/3],
        // ŵ_5 = (w̃_5 + w̃_4)/2 = [0,0,0,1/3,1,5/6]; w^C = (ŵ + ŵᵀ)/2:
        double[] expected =
        [
            1, 1, 1, 0.25, 0, 0,
            1, 1, 1, 0.25, 0, 0,
            1, 1, 1, 0.25, 0, 0,
            0.25, 0.25, 0.25, 0.5, 2.0 / 3, 1.0 / 6,
            0, 0, 0, 2.0 / 3, 1, 2.0 / 3,
            0, 0, 0, 1.0 / 6, 2.0 / 3, 5.0 / 6,
        ];
        using var z = Points();
        using var pairwise = PseudoLabels.Pairwise(z, sigma: 4);
        using var contextual = PseudoLabels.Contextual(pairwise, k: 3);
        TensorAssert.Close(contextual, expected, [6, 6], 1e-12);
    }

    [Test]
    public void WithTheDefaultFiveNeighboursTheContextualSimilarityIsSymmetricAndInTheUnitInterval()
    {
        using var z = Points();
        using var pairwise = PseudoLabels.Pairwise(z, sigma: 1);
        using var contextual = PseudoLabels.Contextual(pairwise, k: 5);
        var values = TensorAssert.Values(contextual);
        using var transposed = contextual.t().contiguous();
        Assert.That(TensorAssert.Values(transposed), Is.EqualTo(values).Within(1e-15));
        Assert.That(values, Is.All.InRange(0.0, 1.0));
    }

    [Test]
    public void TheCombinationWeighsPairwiseAndContextualByAlpha()
    {
        using var z = Points();
        using var pairwise = PseudoLabels.Pairwise(z, sigma: 4);
        using var contextual = PseudoLabels.Contextual(pairwise, k: 3);
        using var combined = PseudoLabels.Combined(z, sigma: 4, k: 3, alpha: 0.25);
        var p = TensorAssert.Values(pairwise);
        var c = TensorAssert.Values(contextual);
        TensorAssert.Close(combined, p.Zip(c, (a, b) => 0.25 * a + 0.75 * b).ToArray(), [6, 6], 1e-12);
    }
}
