// PatchCore's anomaly map: Roth et al., CVPR 2022, Sec. 3.3 ("the patch anomaly scores are upscaled to the
// original input resolution ... and smoothed with a Gaussian of kernel width σ = 4"). Official code:
// amazon-science/patchcore-inspection src/patchcore/common.py, RescaleSegmentor.convert_to_segmentation
// (F.interpolate bilinear, align_corners=False, then scipy.ndimage.gaussian_filter(σ=4) per map).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>Patch-score grid → pixel anomaly map at the input resolution.</summary>
public static class RescaleSegmentor
{
    /// <summary>
    /// [B, h, w] patch scores → [B, height, width]: bilinear upsampling (align_corners=False), then the
    /// project's one scipy-compatible Gaussian (<see cref="torch.nn.functional.gaussian_blur"/>, reflect
    /// border, truncate 4) unless <paramref name="sigma"/> is 0.
    /// </summary>
    public static Tensor ConvertToSegmentation(Tensor patchScores, long height, long width, double sigma)
    {
        using var scope = torch.NewDisposeScope();
        var maps = functional.interpolate(patchScores.unsqueeze(1), [height, width], mode: "bilinear", align_corners: false);
        if (sigma > 0) maps = functional.gaussian_blur(maps, sigma);
        return maps.squeeze(1).MoveToOuterDisposeScope();
    }
}
