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
    public static Tensor Score(Tensor features, Tensor bank, int k)
    {
        using var scope = torch.NewDisposeScope();
        var kept = (int)Math.Min(k, bank.size(0));
        var distances = CoupledHypersphereLoss.SquaredDistances(features, bank).clamp_min(0).sqrt();
        var nearest = distances.topk(kept, dim: 2, largest: false, sorted: true).values;   // [B,P,K]
        var certainty = functional.softmax(-nearest, 2).select(2, 0);                        // softmin(d)[0]
        return (certainty * nearest.select(2, 0)).MoveToOuterDisposeScope();
    }

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
