// ReConPatch §3.3 "Relaxed contrastive loss" (Hyun et al., WACV 2024, Eq. 7 as quoted in
// shared/research/methods-1.md §2.5): soft pseudo-labels w pull patches together and push them apart, on
// distances relative to each patch's mean distance, after STML (Kim et al., CVPR 2022).

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// L = (1/N) Σ_i Σ_{j≠i} [ w_ij·δ_ij² + (1 − w_ij)·max(m − δ_ij, 0)² ] with the relative distance
/// δ_ij = ‖z_i − z_j‖ / ((1/N) Σ_n ‖z_i − z_n‖) on the target network's embeddings z = g(f(p)).
/// The mean in δ runs over all N (self at distance 0 included), as STML's <c>S_dist.mean(1)</c>; the loss
/// excludes the diagonal. The sum over i is divided by N ("sum/N" of the paper's Eq. 7), not by N(N−1) as STML.
/// </summary>
public static class RelaxedContrastiveLoss
{
    /// <param name="z">the target network's embeddings [N, D] (gradient flows through them).</param>
    /// <param name="w">the pseudo-labels [N, N] in [0, 1] (no gradient).</param>
    /// <param name="margin">m, the distance below which dissimilar pairs are pushed apart.</param>
    public static Tensor Compute(Tensor z, Tensor w, double margin)
    {
        var n = z.size(0);
        if (w.dim() != 2 || w.size(0) != n || w.size(1) != n) throw new ArgumentException($"w must be [{n}, {n}], got [{string.Join(", ", w.shape)}]", nameof(w));
        using var scope = torch.NewDisposeScope();
        var eye = torch.eye(n, ScalarType.Bool, z.device);
        // sqrt at 0 has an infinite derivative: the diagonal is clamped away from 0 and then replaced by an
        // exact 0 that carries no gradient.
        var distance = PseudoLabels.SquaredDistances(z).clamp_min(1e-12).sqrt().masked_fill(eye, 0);
        var delta = distance / distance.mean(1, keepdim: true);
        var attract = w * delta.pow(2);
        var repel = (1 - w) * (margin - delta).clamp_min(0).pow(2);
        var loss = (attract + repel).masked_fill(eye, 0).sum() / n;
        return loss.MoveToOuterDisposeScope();
    }
}
