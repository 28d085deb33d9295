// FINE ALIGNMENT LOSS of FYD (arXiv 2110.04538, abstract: fine alignment "densely maximizes the similarity of features
// among all corresponding locations in a batch" with non-contrastive learning, i.e. no negatives; methods-1.md §3.2).
// The form is SimSiam's (Chen and He, CVPR 2021) as RegAD's losses/norm_loss.py applies it densely (methods-1.md §3.4):
// D(p, z) = −cos(p, stopgrad(z)) per location, symmetrised. [harness] FYD's pairs are every two different images of a
// batch (RegAD pairs a query with its supports): for every location (i, j) and every ordered pair a ≠ b,
// −cos(p_a(i, j), sg(z_b(i, j))); the mean over ordered pairs is the symmetrised ½·D(p_a, z_b) + ½·D(p_b, z_a).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>The dense, symmetrised, stop-gradient negative cosine similarity across all image pairs of a batch.</summary>
public static class FineAlignmentLoss
{
    /// <summary>
    /// <paramref name="predictions"/> p [B, C, H, W] and <paramref name="projections"/> z [B, C, H, W] (B ≥ 2) → the
    /// mean over ordered pairs a ≠ b and locations of −cos(p_a, sg(z_b)), in [−1, 1]. No gradient reaches z.
    /// </summary>
    public static Tensor Compute(Tensor predictions, Tensor projections)
    {
        var b = predictions.size(0);
        if (b < 2) throw new ArgumentException($"the fine alignment loss compares the images of a batch: it needs at least 2, got {b}", nameof(predictions));
        if (!predictions.shape.SequenceEqual(projections.shape))
            throw new ArgumentException($"predictions [{string.Join(", ", predictions.shape)}] and projections [{string.Join(", ", projections.shape)}] must have one shape");
        using var scope = torch.NewDisposeScope();
        var p = functional.normalize(predictions, dim: 1);
        var z = functional.normalize(projections.detach(), dim: 1);
        // (sum([0]), not sum(0): a literal 0 converts to ScalarType and would pick the dtype overload.)
        // Σ_{a≠b} p_a·z_b = (Σ_a p_a)·(Σ_b z_b) − Σ_a p_a·z_a at every location: O(B) instead of O(B²).
        var all = (p.sum([0]) * z.sum([0])).sum([0]);
        var same = (p * z).sum([0, 1]);
        var locations = all.numel();
        var similarity = (all - same).sum() / (b * (b - 1) * locations);
        return (-similarity).MoveToOuterDisposeScope();
    }
}
