// L_ICA, the loss of FYD's image-level coarse alignment (arXiv 2110.04538; the formula as a secondary source quotes it,
// methods-1.md §3.2): L_ICA(D; θ_h, T_θ) = Σ_{A,B∈D} Σ_{i<H} Σ_{j<W} ‖h_{T_θ}(A_{i,j}) − h_{T_θ}(B_{i,j})‖₂.
// [harness] h is the aligned normalised image average-pooled by FydOptions.ImageAlignmentPool (a mapping without
// parameters, so the loss can only move the transformer and cannot be lowered by shrinking h), D is the batch, and the
// sum is divided by the number of pairs and locations, so that λ does not depend on the batch size or resolution.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>The mean over unordered image pairs of a batch and over locations of the L2 distance between their aligned representations.</summary>
public static class ImageAlignmentLoss
{
    /// <summary>h: the aligned images [B, C, H, W] average-pooled by <paramref name="pool"/>.</summary>
    public static Tensor Representation(Tensor aligned, int pool) =>
        pool == 1 ? aligned.alias() : functional.avg_pool2d(aligned, pool, pool);

    /// <summary>L_ICA of representations [B, C, H, W] (B ≥ 2): mean over pairs a &lt; b and over (i, j) of ‖h_a(i, j) − h_b(i, j)‖₂.</summary>
    public static Tensor Compute(Tensor representations)
    {
        var b = representations.size(0);
        if (b < 2) throw new ArgumentException($"L_ICA compares the images of a batch: it needs at least 2, got {b}", nameof(representations));
        using var scope = torch.NewDisposeScope();
        // All ordered pairs at once, [B, B, C, H, W] → distances [B, B, H, W]; the diagonal is 0 and each pair appears twice.
        var difference = representations.unsqueeze(1) - representations.unsqueeze(0);
        var distances = difference.norm(2, 2);
        var pairs = b * (b - 1);
        var locations = distances.size(2) * distances.size(3);
        return (distances.sum() / (pairs * locations)).MoveToOuterDisposeScope();
    }
}
