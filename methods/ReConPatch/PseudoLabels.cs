// ReConPatch §3.2 "Pairwise and contextual similarity" (Hyun et al., WACV 2024, Eq. 2–5 as quoted in
// shared/research/methods-1.md §2.4). Both similarities are STML's construction (Kim et al., CVPR 2022,
// tjddus9597/STML-CVPR22 code/loss.py, RC_STML), which ReConPatch takes over: the teacher (similarity network)
// embeddings are L2-normalised (RC_STML.forward: t_emb = F.normalize(t_emb)) before W_P = exp(−‖t_i − t_j‖²/σ);
// mutual kNN sets with self included, overlap |V_i ∩ V_j| / |V_i|, query expansion over the round(k/2) nearest,
// symmetrisation.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// The soft pseudo-labels w of one mini-batch, computed from the similarity network's embeddings z̄ = ḡ(f̄(p)).
/// Every function returns a symmetric [N, N] matrix and keeps no other tensor alive; none records a gradient
/// history when called under <c>no_grad</c> (ReConPatch never back-propagates into the labels).
/// </summary>
public static class PseudoLabels
{
    /// <summary>Squared Euclidean distances [N, N] with an exact zero diagonal (‖a‖² + ‖b‖² − 2a·b, clamped at 0).</summary>
    public static Tensor SquaredDistances(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        var norms = z.pow(2).sum(1, keepdim: true);
        var squared = (norms + norms.t() - 2 * z.mm(z.t())).clamp_min(0);
        // The mm form leaves rounding noise on the diagonal; a point is at distance 0 of itself.
        var eye = torch.eye(z.size(0), ScalarType.Bool, z.device);
        return squared.masked_fill(eye, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Eq. 2 on L2-normalised embeddings: w^P_ij = exp(−‖ẑ_i − ẑ_j‖² / σ) with ẑ = z̄ / max(‖z̄‖, 1e-12), as STML's
    /// RC_STML normalises the teacher embeddings (<c>F.normalize</c>) before the distance. ‖ẑ_i − ẑ_j‖² = 2 − 2cos(z̄_i, z̄_j)
    /// lies in [0, 4], so σ has a fixed scale whatever the magnitude of f̄'s output. Its diagonal is 1.
    /// </summary>
    public static Tensor Pairwise(Tensor z, double sigma)
    {
        using var unit = torch.nn.functional.normalize(z, p: 2, dim: 1, eps: 1e-12);
        using var squared = SquaredDistances(unit);
        using var scaled = squared / (-sigma);
        return scaled.exp();
    }

    /// <summary>
    /// Eq. 3–5 from the pairwise similarity <paramref name="pairwise"/> [N, N]:
    /// N_k(i) = the k most similar (self included); V = mutual kNN indicator (j ∈ N_k(i) and i ∈ N_k(j));
    /// w̃_ij = |V_i ∩ V_j| / |V_i| for j ∈ V_i, else 0; ŵ_i = mean of w̃_q over q in the round(k/2) nearest of i
    /// (self first; round half to even as numpy's <c>np.around</c> in STML, so 2 for k = 5);
    /// w^C = (ŵ + ŵᵀ)/2. Ties in the ranking are broken by topk's order.
    /// </summary>
    public static Tensor Contextual(Tensor pairwise, int k)
    {
        var n = pairwise.size(0);
        if (pairwise.dim() != 2 || pairwise.size(1) != n) throw new ArgumentException($"pairwise must be [N, N], got [{string.Join(", ", pairwise.shape)}]", nameof(pairwise));
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {n}]");
        using var scope = torch.NewDisposeScope();
        var (_, nearest) = pairwise.topk(k, 1);
        var knn = torch.zeros_like(pairwise).scatter(1, nearest, 1.0);
        // STML: V = ((W_NN + W_NNᵀ)/2 == 1), i.e. both directions.
        var mutual = knn * knn.t();
        // V is symmetric, so (V V)_ij = Σ_r V_ir V_rj = |V_i ∩ V_j|; the diagonal keeps |V_i| ≥ 1 (self).
        var overlap = mutual.mm(mutual);
        var tilde = mutual * overlap / mutual.sum(1, keepdim: true);
        var half = (long)Math.Round(k / 2.0, MidpointRounding.ToEven);
        half = Math.Clamp(half, 1, k);
        var expansion = nearest.narrow(1, 0, half).flatten();
        var hat = tilde.index_select(0, expansion).view(n, half, n).mean(1);
        return ((hat + hat.t()) / 2).MoveToOuterDisposeScope();
    }

    /// <summary>Eq. 6: w = α·w^P + (1−α)·w^C from the similarity network's embeddings z̄ [N, D].</summary>
    public static Tensor Combined(Tensor z, double sigma, int k, double alpha)
    {
        using var scope = torch.NewDisposeScope();
        var pairwise = Pairwise(z, sigma);
        var contextual = Contextual(pairwise, k);
        return (alpha * pairwise + (1 - alpha) * contextual).MoveToOuterDisposeScope();
    }
}
