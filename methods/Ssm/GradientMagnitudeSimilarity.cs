// SSM's (and RIAD's) multi-scale gradient magnitude similarity: official MediaBrain-SJTU/SSM losses/gms_loss.py (Prewitt,
// GMS, MSGMS_Loss, MSGMS_Score), after Xue et al., "Gradient Magnitude Similarity Deviation", IEEE TIP 2014, and RIAD
// (Zavrtanik et al., Pattern Recognition 2021, Eq. 3–4).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// GMS(I, I_r) = (2·g_I·g_r + c)/(g_I² + g_r² + c), c = 0.0026, where g is the Prewitt gradient magnitude of the
/// grey image (channel mean) after a 3×3 median blur (kornia, zero padding); Prewitt kernels are divided by 3 and applied
/// without padding, g = sqrt(g_x² + g_y² + ε) with ε = DBL_EPSILON, so an S×S image gives an (S−2)×(S−2) map. The
/// multi-scale versions use the image and three successive 2×2 average-poolings.
/// </summary>
public static class GradientMagnitudeSimilarity
{
    /// <summary>The stabilising constant c of the official GMS.</summary>
    public const double C = 0.0026;

    /// <summary>Python's <c>sys.float_info.epsilon</c>, added under the square root of the official Prewitt magnitude.</summary>
    public const double Epsilon = 2.220446049250313e-16;

    /// <summary>Scales of the multi-scale GMS: the image and three 2×2 average-poolings.</summary>
    public const int Scales = 4;

    /// <summary>The GMS map [B, 1, S−2, S−2] of two [B, C, S, S] images.</summary>
    public static Tensor Map(Tensor image, Tensor reconstruction)
    {
        using var scope = torch.NewDisposeScope();
        var g1 = GradientMagnitude(image.mean([1], keepdim: true));
        var g2 = GradientMagnitude(reconstruction.mean([1], keepdim: true));
        var similarity = (g1 * g2 * 2 + C) / (g1.pow(2) + g2.pow(2) + C);
        return similarity.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The MSGMS loss: the mean of 1 − GMS at each of the 4 scales, averaged over the scales (official MSGMS_Loss). 0 for
    /// identical images.
    /// </summary>
    public static Tensor Loss(Tensor image, Tensor reconstruction)
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = (image, reconstruction);
        Tensor? total = null;
        for (var s = 0; s < Scales; s++)
        {
            if (s > 0) (x, y) = (functional.avg_pool2d(x, 2, 2), functional.avg_pool2d(y, 2, 2));
            var term = (1 - Map(x, y)).mean();
            total = total is null ? term : total + term;
        }
        return (total! / Scales).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The MSGMS anomaly map [B, 1, S, S] (official MSGMS_Score): (1 − Σ_s up(GMS_s))/4, each scale's map bilinearly
    /// upsampled (align_corners=False) to S. As in the official code this is Σ(1 − GMS_s)/4 − 3/4, about −0.75 on a
    /// perfectly reconstructed pixel.
    /// </summary>
    public static Tensor ScoreMap(Tensor image, Tensor reconstruction)
    {
        using var scope = torch.NewDisposeScope();
        var size = new[] { image.size(2), image.size(3) };
        var (x, y) = (image, reconstruction);
        Tensor? total = null;
        for (var s = 0; s < Scales; s++)
        {
            if (s > 0) (x, y) = (functional.avg_pool2d(x, 2, 2), functional.avg_pool2d(y, 2, 2));
            var up = functional.interpolate(Map(x, y), size, mode: "bilinear", align_corners: false);
            total = total is null ? up : total + up;
        }
        return ((1 - total!) / Scales).MoveToOuterDisposeScope();
    }

    /// <summary>sqrt(Prewitt_x² + Prewitt_y² + ε) of the 3×3-median-blurred grey image [B, 1, H, W] → [B, 1, H−2, W−2].</summary>
    public static Tensor GradientMagnitude(Tensor grey)
    {
        using var scope = torch.NewDisposeScope();
        var third = 1f / 3f;
        float[] prewitt =
        [
            -third, 0, third, -third, 0, third, -third, 0, third,     // G_x
            third, third, third, 0, 0, 0, -third, -third, -third,     // G_y
        ];
        var kernel = torch.from_array(prewitt, [2, 1, 3, 3], grey.device).to(grey.dtype);
        var gradients = functional.conv2d(functional.median_blur(grey, 3), kernel);
        var magnitude = (gradients.pow(2).sum([1], keepdim: true) + Epsilon).sqrt();
        return magnitude.MoveToOuterDisposeScope();
    }
}
