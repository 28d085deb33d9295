// The anomaly map of the patch-scoring methods: a grid of patch scores upsampled to the input and smoothed.
// PatchCore (Roth et al., CVPR 2022, Sec. 3.3; amazon-science/patchcore-inspection src/patchcore/common.py,
// RescaleSegmentor.convert_to_segmentation: F.interpolate bilinear, align_corners=False, then
// scipy.ndimage.gaussian_filter(σ=4) per map) and CFA (Lee et al. 2022, §3.4; sungwool/CFA_for_anomaly_localization
// trainer_cfa.py: F.interpolate bilinear, align_corners=False, then gaussian_filter(σ=4)) do the same two steps,
// so both (and ReConPatch and FYD, which reuse them) call this one function.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods;

/// <summary>Patch-score grid → pixel anomaly map at the input resolution.</summary>
public static class PatchScoreMap
{
    /// <summary>
    /// [B, h, w] patch scores → [B, height, width]: bilinear upsampling (align_corners=False), then the project's
    /// one scipy-compatible Gaussian (<see cref="torch.nn.functional.gaussian_blur"/>, reflect border, truncate 4)
    /// unless <paramref name="sigma"/> is 0.
    /// </summary>
    public static Tensor Upsample(Tensor patchScores, long height, long width, double sigma)
    {
        ArgumentNullException.ThrowIfNull(patchScores);
        if (patchScores.dim() != 3) throw new ArgumentException($"patch scores must be [B, h, w], got [{string.Join(", ", patchScores.shape)}]", nameof(patchScores));
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be 0 (no smoothing) or positive");
        using var scope = torch.NewDisposeScope();
        var maps = functional.interpolate(patchScores.unsqueeze(1), [height, width], mode: "bilinear", align_corners: false);
        if (sigma > 0) maps = functional.gaussian_blur(maps, sigma);
        return maps.squeeze(1).MoveToOuterDisposeScope();
    }
}
