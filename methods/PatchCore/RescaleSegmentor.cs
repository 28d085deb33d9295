// PatchCore's anomaly map: Roth et al., CVPR 2022, Sec. 3.3 ("the patch anomaly scores are upscaled to the
// original input resolution ... and smoothed with a Gaussian of kernel width σ = 4"). Official code:
// amazon-science/patchcore-inspection src/patchcore/common.py, RescaleSegmentor.convert_to_segmentation
// (F.interpolate bilinear, align_corners=False, then scipy.ndimage.gaussian_filter(σ=4) per map).

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>Patch-score grid → pixel anomaly map at the input resolution.</summary>
public static class RescaleSegmentor
{
    /// <summary>
    /// [B, h, w] patch scores → [B, height, width]: the official convert_to_segmentation is the same function as
    /// CFA's map, so both are <see cref="PatchScoreMap.Upsample"/> (one implementation, one set of tests).
    /// </summary>
    public static Tensor ConvertToSegmentation(Tensor patchScores, long height, long width, double sigma) =>
        PatchScoreMap.Upsample(patchScores, height, width, sigma);
}
