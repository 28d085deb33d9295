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
/// <c>pretrainDimension</c> by <c>adaptive_avg_pool1d</c> (<see cref="MeanMapper"/>; for WRN-50's layer2,
/// 4608 → 1024, the bins straddle channels);</item>
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
            var rows = PatchMaker.ToRows(onGrid);
            onGrid.Dispose();
            perLayer[l] = MeanMapper(rows, PretrainDimension);
            rows.Dispose();
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
    /// Official <c>Preprocessing</c> (stack the layers: [N, layers, D']) followed by <c>Aggregator</c>
    /// (flatten to [N, layers·D'] and <c>adaptive_avg_pool1d</c> to [N, target]).
    /// </summary>
    public static Tensor Aggregate(IReadOnlyList<Tensor> perLayer, long targetDimension)
    {
        using var stacked = torch.stack(perLayer.ToArray(), dim: 1);
        return MeanMapper(stacked, targetDimension);
    }
}
