// CFA's anomaly scoring: Lee et al., arXiv 2206.04325, §3.4, Eq. 4–5 (the distance to the nearest memory
// feature weighted by the softmin "certainty" over the K nearest). Official code:
// sungwool/CFA_for_anomaly_localization utils/cfa.py::DSVDD.forward (eval branch) and trainer_cfa.py
// (bilinear upsampling to the input size, scipy.ndimage.gaussian_filter σ = 4, image score = max of the map).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Cfa;

/// <summary>Patch scores and the anomaly map of CFA.</summary>
public static class PatchScorer
{
    /// <summary>
    /// A_t = softmin(d_1..d_K)[0] · d_1 for every patch, where d_1 ≤ … ≤ d_K are the NON-squared Euclidean
    /// distances of φ(p_t) to its K nearest bank entries: [B, P, D] × [N, D] → [B, P]. The official code takes
    /// sqrt of ‖φ‖² + ‖c‖² − 2φ·c; rounding can make that slightly negative, so it is clamped at 0 first (the
    /// official code would give NaN there).
    /// </summary>
    /// <remarks>
    /// The official DSVDD builds the whole [B, P, N] distance tensor (157 MB for a batch of 4 at 224 px) and
    /// passes over it three more times (clamp, sqrt, top-K). On a CPU that tensor is mapped fresh from the kernel
    /// at every batch (page faults) and never fits a cache, and those passes cost more than the backbone (issue 23).
    /// Here the same expression is evaluated <see cref="BlockBytes"/> at a time and only the K smallest squared
    /// distances of each row are kept; clamp and sqrt, which are monotone, then run on those K values only. The
    /// result is bit-for-bit the official one (tests/Methods/Cfa/CfaScoreBlockingTests): the row blocks start at
    /// multiples of <see cref="RowAlignment"/>, so OpenBLAS computes every product with the same micro-kernel as in
    /// one big product, and the norms are summed over the caller's own layout, as the official expression does.
    /// </remarks>
    public static Tensor Score(Tensor features, Tensor bank, int k)
    {
        CoupledHypersphereLoss.CheckShapes(features, bank);
        using var scope = torch.NewDisposeScope();
        var (b, p, d) = (features.size(0), features.size(1), features.size(2));
        var n = bank.size(0);
        var kept = (int)Math.Min(k, n);
        var rows = features.reshape(b * p, d);
        var rowNorms = features.square().sum(2, keepdim: true).view(b * p, 1);   // ‖φ‖², over the caller's layout
        var bankNorms = bank.square().sum(1).view(1, -1);                      // ‖c‖²
        var bankT = bank.t();
        var total = b * p;
        var step = Math.Min(RowsPerBlock(n, features.device), total);
        var nearest = torch.empty([total, kept], features.dtype, features.device);
        // Two block buffers for the whole call: a fresh pair per block would leave the allocator's heap fragmented
        // (the resident set crept up over thousands of predictions).
        var products = torch.empty([step, n], features.dtype, features.device);
        var squared = torch.empty([step, n], features.dtype, features.device);
        for (long start = 0; start < total; start += step)
        {
            using var block = torch.NewDisposeScope();
            var length = Math.Min(step, total - start);
            var product = length == step ? products : products.narrow(0, 0, length);
            var distance = length == step ? squared : squared.narrow(0, 0, length);
            torch.mm(rows.narrow(0, start, length), bankT, product);
            product.mul_(2.0);                                                       // 2φ·c (×2 is exact)
            distance.copy_(rowNorms.narrow(0, start, length).expand(length, n));
            distance.add_(bankNorms);                                                // ‖φ‖² + ‖c‖²
            distance.sub_(product);                                                  // − 2φ·c
            nearest.narrow(0, start, length).copy_(distance.topk(kept, dim: 1, largest: false, sorted: true).values);
        }
        var distances = nearest.clamp_min(0).sqrt().view(b, p, kept);            // [B,P,K]
        var certainty = functional.softmax(-distances, 2).select(2, 0);          // softmin(d)[0]
        return (certainty * distances.select(2, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>Bytes of one block of squared distances on a CPU: a few MiB stay in the caches between the passes.</summary>
    public const long BlockBytes = 4L << 20;

    /// <summary>Row blocks start at multiples of this (OpenBLAS's sgemm micro-kernels work on 8 or 16 rows at a time).</summary>
    public const long RowAlignment = 64;

    /// <summary>Rows of one distance block: <see cref="BlockBytes"/> worth on a CPU; on a GPU one block holds every row.</summary>
    internal static long RowsPerBlock(long bankSize, Device device) =>
        device.Type == DeviceType.CPU ? Math.Max(1, BlockBytes / sizeof(float) / bankSize / RowAlignment) * RowAlignment : long.MaxValue;

    /// <summary>
    /// The anomaly map of [B, h, w] patch scores (<see cref="PatchScoreMap.Upsample"/>: bilinear, align_corners=False,
    /// then the σ Gaussian, as trainer_cfa.py) and its maximum as each image's score (official cal_img_roc).
    /// </summary>
    public static Prediction Predict(Tensor patchScores, long height, long width, double sigma)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var maps = PatchScoreMap.Upsample(patchScores, height, width, sigma);
        return new Prediction(maps, maps.amax([1, 2]));
    }
}
