// Anomaly maps and image scores of reverse distillation, as the official evaluations compute them:
// - hq-deng/RD4AD test.py (cal_anomaly_map with amap_mode='a', evaluation) and guojiajeremy/ReContrast utils.py
//   (cal_anomaly_map, evaluation, evaluation_noseg): per level 1 − cos over channels, bilinear upsampling to the input
//   size with align_corners=True, the SUM over levels, scipy.ndimage.gaussian_filter(σ = 4), image score = max
//   (ReContrast on ISIC2018: the mean of the map); RD4AD paper §3.5, Eq. 3.
// - ReContrast's multi-class scripts (utils.py evaluation_batch): the MEAN over the levels, a 5×5 Gaussian
//   convolution (σ = 4, zero padding, get_gaussian_kernel) and the mean of the top 1% of the map's pixels.
// shared/research/methods-2.md §0 "Evaluation conventions" and §1.3–1.4.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>How the per-level distance maps are combined.</summary>
public enum MapFusion
{
    /// <summary>The sum (official <c>amap_mode='a'</c>, per-class RD4AD and ReContrast).</summary>
    Sum,

    /// <summary>The mean (ReContrast's multi-class evaluation).</summary>
    Mean,
}

/// <summary>How the combined map is smoothed.</summary>
public enum MapSmoothing
{
    /// <summary>scipy.ndimage.gaussian_filter(σ) (reflect border, truncate 4: a 33-px kernel at σ = 4).</summary>
    Scipy,

    /// <summary>ReContrast's multi-class <c>get_gaussian_kernel(kernel_size=5, sigma=4)</c>: a 5×5 convolution with zero padding.</summary>
    Kernel5,

    /// <summary>No smoothing.</summary>
    None,
}

/// <summary>How an image's score is taken from its map.</summary>
public enum ImageScore
{
    /// <summary>The map's maximum (MVTec AD, VisA, APTOS, OCT2017).</summary>
    Max,

    /// <summary>The map's mean (ReContrast on ISIC2018, <c>reduction='mean'</c>).</summary>
    Mean,

    /// <summary>The mean of the top 1% of the map's pixels (ReContrast's multi-class <c>max_ratio=0.01</c>).</summary>
    TopPercentMean,
}

/// <summary>The anomaly map [B,H,W] and image scores [B] of target/prediction feature pairs.</summary>
public static class AnomalyMap
{
    /// <summary>
    /// Σ (or mean) over the pairs of 1 − cos_channel(target, prediction), each upsampled bilinearly (align_corners=True)
    /// to <paramref name="height"/>×<paramref name="width"/>: [B,H,W], before smoothing.
    /// </summary>
    public static Tensor Distances(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions, long height, long width, MapFusion fusion)
    {
        using var scope = torch.NewDisposeScope();
        return Fuse(LevelDistances(targets, predictions), height, width, fusion).MoveToOuterDisposeScope();
    }

    /// <summary>1 − cos_channel(target, prediction) of each pair, at the level's own resolution: [B,h,w] per level.</summary>
    public static IReadOnlyList<Tensor> LevelDistances(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        if (targets.Count == 0 || targets.Count != predictions.Count)
            throw new ArgumentException($"one prediction per target is needed, got {targets.Count} targets and {predictions.Count} predictions");
        return targets.Select((target, l) => CosineLoss.Distance(target, predictions[l])).ToList();
    }

    /// <summary>The per-level maps upsampled bilinearly (align_corners=True) to <paramref name="height"/>×<paramref name="width"/> and summed (or averaged): [B,H,W].</summary>
    public static Tensor Fuse(IReadOnlyList<Tensor> levels, long height, long width, MapFusion fusion)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count == 0) throw new ArgumentException("at least one level map is needed", nameof(levels));
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        foreach (var level in levels)
        {
            var upsampled = functional.interpolate(level.unsqueeze(1), [height, width], mode: "bilinear", align_corners: true);
            total = total is null ? upsampled : total + upsampled;
        }
        if (fusion == MapFusion.Mean) total = total! / levels.Count;
        return total!.squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Smooths [B,H,W] maps with σ = <paramref name="sigma"/> (0 = none).</summary>
    public static Tensor Smooth(Tensor maps, MapSmoothing smoothing, double sigma)
    {
        if (smoothing == MapSmoothing.None || sigma == 0) return maps.alias();
        using var scope = torch.NewDisposeScope();
        var x = maps.unsqueeze(1);
        x = smoothing == MapSmoothing.Scipy ? functional.gaussian_blur(x, sigma) : functional.conv2d(x, Kernel5(sigma, x), null, [1, 1], [2, 2], [1, 1], 1);
        return x.squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ReContrast utils.py <c>get_gaussian_kernel(5, σ)</c>: exp(−((x−2)² + (y−2)²)/(2σ²)) on the 5×5 grid, normalised
    /// to sum 1, as a [1,1,5,5] convolution weight.
    /// </summary>
    public static Tensor Kernel5(double sigma, Tensor like)
    {
        var weights = new float[25];
        double total = 0;
        for (var y = 0; y < 5; y++)
        for (var x = 0; x < 5; x++)
            total += Math.Exp(-((x - 2) * (x - 2) + (y - 2) * (y - 2)) / (2 * sigma * sigma));
        for (var y = 0; y < 5; y++)
        for (var x = 0; x < 5; x++)
            weights[y * 5 + x] = (float)(Math.Exp(-((x - 2) * (x - 2) + (y - 2) * (y - 2)) / (2 * sigma * sigma)) / total);
        using var cpu = torch.from_array(weights, [1, 1, 5, 5]);
        return cpu.to(like.device, like.dtype);
    }

    /// <summary>One score per [H,W] map.</summary>
    public static Tensor Scores(Tensor maps, ImageScore score)
    {
        using var scope = torch.NewDisposeScope();
        var flat = maps.flatten(1);
        var result = score switch
        {
            ImageScore.Max => flat.amax([1]),
            ImageScore.Mean => flat.mean([1]),
            // Official: sort descending, keep the first int(H·W·0.01), mean (at least one pixel here, for tiny maps).
            _ => flat.topk(Math.Max(1, (long)(flat.size(1) * 0.01)), dim: 1).values.mean([1]),
        };
        return result.MoveToOuterDisposeScope();
    }
}
