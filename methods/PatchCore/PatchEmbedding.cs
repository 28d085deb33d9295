// The patch-feature vectors of the memory bank: Roth et al., CVPR 2022, Sec. 3.1 (locally aware patch
// features of hierarchy levels 2 and 3, aggregated by adaptive average pooling) and the official code's
// exact steps: amazon-science/patchcore-inspection src/patchcore/patchcore.py (PatchCore._embed) and
// src/patchcore/common.py (Preprocessing, MeanMapper, Aggregator).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>Patch vectors of a batch: [B·H·W, D] rows (image-major, then row-major over the H×W patch grid).</summary>
/// <param name="Vectors">the embeddings; the caller disposes them.</param>
/// <param name="Height">H, the patch grid of the first layer.</param>
/// <param name="Width">W.</param>
public sealed record PatchEmbeddings(Tensor Vectors, long Height, long Width) : IDisposable
{
    public long PatchesPerImage => Height * Width;

    public void Dispose() => Vectors.Dispose();
}

/// <summary>
/// Feature maps → memory-bank vectors, as the official code computes them:
/// <list type="number">
/// <item>per layer, the p×p patches (<see cref="PatchMaker.Patchify"/>); layers after the first are
/// resampled bilinearly to the first layer's grid (<see cref="PatchMaker.ResampleToGrid"/>);</item>
/// <item>per layer, each patch's C·p·p vector, flattened channel-major, is average-pooled to
/// <c>pretrainDimension</c> by <c>adaptive_avg_pool1d</c> (<see cref="MeanMapper"/>, evaluated on the grid by
/// <see cref="MeanMapGrid"/>; for WRN-50's layer2, 4608 → 1024, the bins straddle channels);</item>
/// <item>the layers' vectors are stacked, flattened and pooled again to <c>targetDimension</c>
/// (<see cref="Aggregate"/>; with two layers of 1024 this averages adjacent pairs, so outputs 0–511 come
/// from the first layer and 512–1023 from the second).</item>
/// </list>
/// </summary>
public sealed class PatchEmbedding
{
    public PatchEmbedding(int patchSize, long pretrainDimension, long targetDimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pretrainDimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetDimension, 1);
        PatchMaker = new PatchMaker(patchSize);
        PretrainDimension = pretrainDimension;
        TargetDimension = targetDimension;
    }

    public PatchMaker PatchMaker { get; }

    public long PretrainDimension { get; }

    public long TargetDimension { get; }

    /// <summary>The vectors of every patch of <paramref name="maps"/> (layer order: the first sets the grid). Nothing else stays alive.</summary>
    public PatchEmbeddings Embed(IReadOnlyList<Tensor> maps)
    {
        if (maps.Count == 0) throw new ArgumentException("give at least one feature map", nameof(maps));
        var (height, width) = (maps[0].size(2), maps[0].size(3));
        using var scope = torch.NewDisposeScope();
        var perLayer = new Tensor[maps.Count];
        for (var l = 0; l < maps.Count; l++)
        {
            var patches = PatchMaker.Patchify(maps[l]);
            var onGrid = PatchMaker.ResampleToGrid(patches, height, width);
            patches.Dispose();
            perLayer[l] = MeanMapGrid(onGrid, PretrainDimension);
            onGrid.Dispose();
        }
        var vectors = Aggregate(perLayer, TargetDimension);
        return new PatchEmbeddings(vectors.MoveToOuterDisposeScope(), height, width);
    }

    /// <summary>
    /// Official <c>MeanMapper</c>: [N, L] → [N, D] by <c>adaptive_avg_pool1d</c> over the whole row; output i
    /// averages elements [⌊i·L/D⌋, ⌈(i+1)·L/D⌉). With L &lt; D elements are repeated, as PyTorch does.
    /// </summary>
    public static Tensor MeanMapper(Tensor rows, long dimension)
    {
        var n = rows.size(0);
        using var column = rows.reshape(n, 1, -1);
        using var pooled = functional.adaptive_avg_pool1d(column, dimension);
        return pooled.reshape(n, dimension);
    }

    /// <summary>
    /// <see cref="MeanMapper"/> of every position of a patch grid [B, L, H, W] → [B, H·W, D] (a transposed view: row
    /// (b, i) is position i of image b), without copying the patches into rows first (for WRN-50's layer3 at batch 16
    /// and 128 px those rows are 151 MB, written and read once). The bins of <c>adaptive_avg_pool1d</c> over L are
    /// pooled here by <c>adaptive_avg_pool2d</c> down the L axis of each position's column, in G = gcd(L, D) groups of
    /// L/G elements and D/G bins: bin g·D/G + i starts at ⌊(g·D/G + i)·L/D⌋ = g·L/G + ⌊i·L/D⌋, so every bin covers the
    /// elements it covers in the row, summed in the same order and divided by the same count: bit-identical values
    /// (<c>PatchEmbeddingTests</c>), and the groups give the CPU kernel B·G independent parts to share out.
    /// </summary>
    public static Tensor MeanMapGrid(Tensor patches, long dimension)
    {
        if (patches.dim() != 4) throw new ArgumentException($"patches are [B, L, H, W], got [{string.Join(", ", patches.shape)}]", nameof(patches));
        var (batch, length, height, width) = (patches.size(0), patches.size(1), patches.size(2), patches.size(3));
        var groups = GreatestCommonDivisor(length, dimension);
        using var columns = patches.reshape(batch, groups, length / groups, height * width);
        using var pooled = functional.adaptive_avg_pool2d(columns, [dimension / groups, height * width]);
        using var perImage = pooled.view(batch, dimension, height * width);
        return perImage.transpose(1, 2);
    }

    private static long GreatestCommonDivisor(long a, long b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);

    /// <summary>
    /// Official <c>Preprocessing</c> (stack the layers: [N, layers, D']) followed by <c>Aggregator</c>
    /// (flatten to [N, layers·D'] and <c>adaptive_avg_pool1d</c> to [N, target]). Each layer's vectors are [N, D'] or,
    /// as <see cref="MeanMapGrid"/> gives them, [B, H·W, D'] with N = B·H·W: the stack is where they become rows.
    /// </summary>
    public static Tensor Aggregate(IReadOnlyList<Tensor> perLayer, long targetDimension)
    {
        using var stacked = torch.stack(perLayer.ToArray(), dim: perLayer[0].dim() - 1);
        using var rows = stacked.view(-1, perLayer.Count * perLayer[0].size(-1));
        return MeanMapper(rows, targetDimension);
    }
}
