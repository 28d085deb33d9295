// SSIM as SSM's (and RIAD's) loss computes it: plutoyuxie/Reconstruction-by-inpainting-for-visual-anomaly-detection
// losses/ssim_loss.py (_ssim, SSIM_Loss), which SSM's losses/ssim_loss.py takes verbatim; after Wang et al., "Image Quality
// Assessment: From Error Visibility to Structural Similarity", IEEE TIP 2004.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// Mean SSIM over the map and the channels: local statistics by an 11×11 Gaussian window (σ = 1.5, normalised to sum 1)
/// applied per channel with zero padding 5, C1 = 0.01², C2 = 0.03² (the constants for a dynamic range of 1, used as they
/// are for any input range).
/// </summary>
public static class Ssim
{
    public const int WindowSize = 11;
    public const double Sigma = 1.5;
    public const double C1 = 0.01 * 0.01;
    public const double C2 = 0.03 * 0.03;

    /// <summary>The 1-D window: exp(−(x − 5)²/(2σ²)) for x = 0..10, divided by its sum.</summary>
    public static double[] Window1D()
    {
        var w = Enumerable.Range(0, WindowSize).Select(x => Math.Exp(-Math.Pow(x - WindowSize / 2, 2) / (2 * Sigma * Sigma))).ToArray();
        var total = w.Sum();
        return w.Select(v => v / total).ToArray();
    }

    /// <summary>Mean SSIM of two [B, C, H, W] images (a scalar).</summary>
    public static Tensor Value(Tensor image, Tensor reconstruction)
    {
        using var scope = torch.NewDisposeScope();
        var map = Map(image, reconstruction);
        return map.mean().MoveToOuterDisposeScope();
    }

    /// <summary>The SSIM loss 1 − mean SSIM (official SSIM_Loss): 0 for identical images.</summary>
    public static Tensor Loss(Tensor image, Tensor reconstruction)
    {
        using var value = Value(image, reconstruction);
        return 1 - value;
    }

    /// <summary>The SSIM map [B, C, H, W].</summary>
    public static Tensor Map(Tensor img1, Tensor img2)
    {
        using var scope = torch.NewDisposeScope();
        var channels = img1.size(1);
        var w1 = Window1D();
        var window2D = new float[WindowSize * WindowSize];
        for (var i = 0; i < WindowSize; i++)
        for (var j = 0; j < WindowSize; j++)
            window2D[i * WindowSize + j] = (float)(w1[i] * w1[j]);
        var window = torch.from_array(window2D, [1, 1, WindowSize, WindowSize], img1.device).to(img1.dtype).expand(channels, 1, WindowSize, WindowSize);
        Tensor Filter(Tensor x) => functional.conv2d(x, window, null, [1, 1], [WindowSize / 2, WindowSize / 2], [1, 1], channels);
        var mu1 = Filter(img1);
        var mu2 = Filter(img2);
        var mu1Sq = mu1.pow(2);
        var mu2Sq = mu2.pow(2);
        var mu1Mu2 = mu1 * mu2;
        var sigma1Sq = Filter(img1 * img1) - mu1Sq;
        var sigma2Sq = Filter(img2 * img2) - mu2Sq;
        var sigma12 = Filter(img1 * img2) - mu1Mu2;
        var map = (mu1Mu2 * 2 + C1) * (sigma12 * 2 + C2) / ((mu1Sq + mu2Sq + C1) * (sigma1Sq + sigma2Sq + C2));
        return map.MoveToOuterDisposeScope();
    }
}
