using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReConPatch;

/// <summary>
/// The pseudo-labels (ReConPatch §3.2, STML's construction in tjddus9597/STML-CVPR22 code/loss.py RC_STML) against
/// values computed by hand in the comments. The contextual cases rank six points of a line, x = 0, 1, 3, 7, 12, 18
/// (gaps 1, 2, 4, 5, 6: no ties in any ranking); the expected matrices were also checked with a plain-Python
/// transcription of RC_STML's loop (W_NN, V, the per-row W_C_tilda loop, np.around(k/2), the symmetrisation).
/// </summary>
public class PseudoLabelTests
{
    private static readonly double[] s_x = [0, 1, 3, 7, 12, 18];

    /// <summary>w_ij = exp(−(x_i − x_j)²/4) of the six line points, built here (not by the code under test); float64.</summary>
    private static Tensor LinePairwise()
    {
        var w = new double[36];
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
                w[i * 6 + j] = Math.Exp(-(s_x[i] - s_x[j]) * (s_x[i] - s_x[j]) / 4);
        return torch.from_array(w, [6, 6]);
    }

    [Test]
    public void PairwiseSimilarityIsTheGaussianOfTheSquaredDistanceBetweenL2NormalisedEmbeddings()
    {
        // z̄ = (3, 4), (2, 0), (0, 0.5): unit vectors (0.6, 0.8), (1, 0), (0, 1), as STML's F.normalize(t_emb) gives.
        // Squared distances: ‖(−0.4, 0.8)‖² = 0.8, ‖(0.6, −0.2)‖² = 0.4, ‖(1, −1)‖² = 2; σ = 2 halves them.
        // Without the normalisation the first pair alone would be exp(−17/2) ≈ 2e-4 instead of exp(−0.4) ≈ 0.67.
        using var z = torch.from_array(new double[] { 3, 4, 2, 0, 0, 0.5 }, [3, 2]);
        using var w = PseudoLabels.Pairwise(z, sigma: 2);
        double[] expected =
        [
            1, Math.Exp(-0.4), Math.Exp(-0.2),
            Math.Exp(-0.4), 1, Math.Exp(-1),
            Math.Exp(-0.2), Math.Exp(-1), 1,
        ];
        TensorAssert.Close(w, expected, [3, 3], 1e-12);
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
        using var pairwise = LinePairwise();
        using var contextual = PseudoLabels.Contextual(pairwise, k: 3);
        TensorAssert.Close(contextual, s_contextualK3, [6, 6], 1e-12);
    }

    [Test]
    public void WithTheDefaultFiveNeighboursTheContextualSimilarityHasTheHandComputedValues()
    {
        // k = 5: every N_k(i) is all points but the farthest one: N0 = [0,1,2,3,4], N1 = [1,0,2,3,4],
        // N2 = [2,1,0,3,4], N3 = [3,2,4,1,0], N4 = [4,3,5,2,1], N5 = [5,4,3,2,1].
        // Mutual: V0 = {0,1,2,3} (0 ∉ N4), V1 = V2 = V3 = {0,1,2,3,4}, V4 = {1,2,3,4,5}, V5 = {4,5} (5 ∉ N1, N2, N3).
        // w̃: row 0 = [1,1,1,1,0,0]; rows 1–3 = [.8,1,1,1,.8,0] (|V1 ∩ V0| = 4 of 5, |V1 ∩ V4| = 4 of 5);
        // row 4 = [0,.8,.8,.8,1,.4] (|V4 ∩ V5| = 2 of 5); row 5 = [0,0,0,0,1,1].
        // Query expansion over round(5/2) = 2 (numpy's half-to-even): ŵ_0 = ŵ_1 = (w̃_0 + w̃_1)/2 = [.9,1,1,1,.4,0],
        // ŵ_2 = (w̃_2 + w̃_1)/2 = ŵ_3 = [.8,1,1,1,.8,0], ŵ_4 = (w̃_4 + w̃_3)/2 = [.4,.9,.9,.9,.9,.2],
        // ŵ_5 = (w̃_5 + w̃_4)/2 = [0,.4,.4,.4,1,.7]; w^C = (ŵ + ŵᵀ)/2, e.g. w^C_01 = (1 + .9)/2 = .95.
        // (Query expansion over 3 neighbours, i.e. round half up, would give w^C_00 = (1 + .8 + .8)/3 ≠ .9.)
        double[] expected =
        [
            0.9, 0.95, 0.9, 0.9, 0.4, 0,
            0.95, 1, 1, 1, 0.65, 0.2,
            0.9, 1, 1, 1, 0.85, 0.2,
            0.9, 1, 1, 1, 0.85, 0.2,
            0.4, 0.65, 0.85, 0.85, 0.9, 0.6,
            0, 0.2, 0.2, 0.2, 0.6, 0.7,
        ];
        using var pairwise = LinePairwise();
        using var contextual = PseudoLabels.Contextual(pairwise, k: 5);
        TensorAssert.Close(contextual, expected, [6, 6], 1e-12);
    }

    [Test]
    public void TheCombinationWeighsPairwiseAndContextualByAlphaOnNormalisedEmbeddings()
    {
        // The six points on the unit circle at angles θ = x/10 (chord² = 2 − 2cos Δθ grows with |Δθ| ≤ 1.8 < π, so
        // every ranking is the line's), each scaled by a different length, which the normalisation removes:
        // w = α·exp(−(2 − 2cos Δθ)/σ) + (1 − α)·(the k = 3 matrix above), α = 0.25, σ = 4.
        double[] lengths = [1, 2, 0.5, 3, 1.5, 4];
        var data = s_x.Select((x, i) => new[] { lengths[i] * Math.Cos(x / 10), lengths[i] * Math.Sin(x / 10) }).SelectMany(p => p).ToArray();
        using var z = torch.from_array(data, [6, 2]);
        using var combined = PseudoLabels.Combined(z, sigma: 4, k: 3, alpha: 0.25);
        var expected = new double[36];
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
                expected[i * 6 + j] = 0.25 * Math.Exp(-(2 - 2 * Math.Cos((s_x[i] - s_x[j]) / 10)) / 4) + 0.75 * s_contextualK3[i * 6 + j];
        TensorAssert.Close(combined, expected, [6, 6], 1e-12);
    }

    /// <summary>w^C of the line points at k = 3, derived in <see cref="ContextualSimilarityFollowsTheMutualNeighbourOverlapWithQueryExpansion"/>.</summary>
    private static readonly double[] s_contextualK3 =
    [
        1, 1, 1, 0.25, 0, 0,
        1, 1, 1, 0.25, 0, 0,
        1, 1, 1, 0.25, 0, 0,
        0.25, 0.25, 0.25, 0.5, 2.0 / 3, 1.0 / 6,
        0, 0, 0, 2.0 / 3, 1, 2.0 / 3,
        0, 0, 0, 1.0 / 6, 2.0 / 3, 5.0 / 6,
    ];
}
