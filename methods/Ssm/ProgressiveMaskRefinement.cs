// SSM's inference, progressive mask refinement: official MediaBrain-SJTU/SSM test.py::test (refine_num = 2: a first pass and
// one refinement), scoring as RIAD (Σ_k MSGMS map / N_k², Gaussian σ = 7).

using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>The raw output of inference: the refined anomaly map [B,S,S] (smoothed) and the reconstruction MSE [B] of the last pass.</summary>
public sealed class RefinedScores(Tensor map, Tensor mse) : IDisposable
{
    public Tensor Map { get; } = map;

    public Tensor Mse { get; } = mse;

    public void Dispose()
    {
        Map.Dispose();
        Mse.Dispose();
    }
}

/// <summary>
/// Pass 0: for every k, masks drawn from a generator seeded with <c>mask_seed</c> (re-seeded for each k, as the official
/// <c>setup_seed</c> inside the k loop), inpainting, and score += MSGMS_Score(x, x̂)/N_k² with N_k = S/k; the sum is
/// smoothed by a Gaussian (σ = 7) along each row, as test.py at batch 1 (<see cref="MapSmoothing"/>). Then, for each refinement round r: pixels with 255·score ≤ −threshold are
/// confidently normal (H = 1); each block of S/grid pixels whose mean H exceeds <c>ratio</c> is uncovered (set visible) in
/// every mask of pass r, whose masks come from seed + r; uncovered pixels of the composite are taken from the input (zero
/// error) and the map is built again from that pass alone. The MSE of the last pass, summed over k, is the second part
/// of the image score.
/// <para>
/// One departure from test.py, intended: the grid is S/grid-pixel blocks instead of 8-pixel blocks hard-coded for 128 px.
/// The Gaussian follows test.py at its default batch 1, where <c>score.squeeze()</c> is S×S and its loop filters each ROW
/// in 1-D, for every batch size here; <c>smoothing: image</c> gives the 2-D filter of batches &gt; 1. The official code fills pixels whose
/// composite is exactly 0 (<c>torch.where(output == 0, data, output)</c>), which are the uncovered ones; here the uncovered
/// blocks are used directly.
/// </para>
/// </summary>
public static class ProgressiveMaskRefinement
{
    /// <summary>Scores a batch [B,3,S,S] (already in the network's input range) with the network in eval mode.</summary>
    public static RefinedScores Score(MaskedUNet network, Tensor images, SsmOptions options)
    {
        using var scope = torch.NewDisposeScope();
        var size = (int)images.size(2);
        Tensor? uncovered = null;                 // [B, S, S], 1 = block uncovered in every mask
        Tensor map = null!;
        Tensor mse = null!;
        for (var pass = 0; pass <= options.RefinementRounds; pass++)
        {
            var last = pass == options.RefinementRounds;
            Tensor? score = null;
            Tensor? passMse = null;
            foreach (var k in options.KValues)
            {
                var cells = size / k;
                var masks = MaskGenerator.Draw(k, size, new PythonRandom(options.MaskSeed + pass), images.device);
                if (uncovered is not null) masks = masks.unsqueeze(1).maximum(uncovered.unsqueeze(0));   // [n, B, S, S]
                using var inpainted = Inpainting.Run(network, images, masks);
                var reconstruction = inpainted.Composite;
                if (uncovered is not null) reconstruction = torch.where(uncovered.unsqueeze(1).gt(0), images, reconstruction);
                var weighted = GradientMagnitudeSimilarity.ScoreMap(images, reconstruction) / ((double)cells * cells);
                score = score is null ? weighted : score + weighted;
                if (last)
                {
                    var error = (images - reconstruction).pow(2).mean([1, 2, 3]);
                    passMse = passMse is null ? error : passMse + error;
                }
            }
            map = options.Sigma <= 0 ? score!
                : options.Smoothing == MapSmoothing.Rows ? functional.gaussian_filter1d(score!, options.Sigma, dim: 3)
                : functional.gaussian_blur(score!, options.Sigma);
            map = map.squeeze(1);
            if (last) mse = passMse!;
            else uncovered = UncoveredBlocks(ConfidentlyNormal(map, options.Threshold), options.RefinementGrid, options.Ratio);
        }
        return new RefinedScores(map.MoveToOuterDisposeScope(), mse.MoveToOuterDisposeScope());
    }

    /// <summary>H [B,S,S] (float 0/1): 1 where 255·score ≤ −threshold (official: clamp, then <c>heat_map == −threshold</c> → 1).</summary>
    public static Tensor ConfidentlyNormal(Tensor map, double threshold)
    {
        using var scaled = map * 255.0;
        using var confident = scaled.le(-threshold);
        return confident.to(map.dtype);
    }

    /// <summary>
    /// [B,S,S] of 0/1: a block of (S/grid)² pixels is 1 (uncovered) when the mean of <paramref name="confidentlyNormal"/> over it
    /// exceeds <paramref name="ratio"/> (official: 16×16 blocks of 8 px at 128 px, <c>mean() &gt; ratio</c>).
    /// </summary>
    public static Tensor UncoveredBlocks(Tensor confidentlyNormal, int grid, double ratio)
    {
        var size = confidentlyNormal.size(1);
        if (size % grid != 0) throw new ArgumentException($"the map side {size} is not divisible by the refinement grid {grid}", nameof(grid));
        using var scope = torch.NewDisposeScope();
        var block = size / grid;
        var fraction = functional.avg_pool2d(confidentlyNormal.unsqueeze(1), block, block);                  // [B, 1, grid, grid]
        var chosen = fraction.gt(ratio).to(confidentlyNormal.dtype);
        var pixels = functional.interpolate(chosen, [size, size], mode: "nearest").squeeze(1);
        return pixels.MoveToOuterDisposeScope();
    }
}
