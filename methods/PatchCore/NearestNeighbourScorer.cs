// PatchCore's anomaly scoring: Roth et al., CVPR 2022, Sec. 3.3, Eq. 6 (a patch's score is its distance
// to the nearest memory-bank entry; the image's score is the largest patch score) and Eq. 7 (the paper's
// re-weighting of the image score, which the official code does not apply). Official code:
// amazon-science/patchcore-inspection src/patchcore/common.py, NearestNeighbourScorer with FaissNN
// (faiss.IndexFlatL2, an exact search that returns SQUARED L2 distances; with k > 1 the mean over k).

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// The memory bank and the exact nearest-neighbour search over it. FAISS is replaced by blocked
/// <c>torch.cdist</c> on the bank's device: queries and bank are cut into blocks of
/// <see cref="Chunk"/> rows, the k best of each block are merged, so memory is bounded by Chunk² distances
/// whatever the bank's size, and the results are the same exact squared L2 distances as IndexFlatL2 gives.
/// </summary>
public sealed class NearestNeighbourScorer : IDisposable
{
    /// <param name="memoryBank">the bank [M, D]; the scorer takes ownership (it leaves every dispose scope).</param>
    /// <param name="chunk">rows of the queries and of the bank per distance block.</param>
    public NearestNeighbourScorer(Tensor memoryBank, int chunk = 4096)
    {
        ArgumentNullException.ThrowIfNull(memoryBank);
        if (memoryBank.dim() != 2 || memoryBank.size(0) == 0)
            throw new ArgumentException($"the memory bank is [M, D] with M ≥ 1, got [{string.Join(", ", memoryBank.shape)}]", nameof(memoryBank));
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        MemoryBank = memoryBank.DetachFromDisposeScope();
        Chunk = chunk;
    }

    /// <summary>The bank [M, D] (owned by the scorer).</summary>
    public Tensor MemoryBank { get; private set; }

    public int Chunk { get; }

    public long Count => MemoryBank.size(0);

    public long Dimension => MemoryBank.size(1);

    /// <summary>Moves the bank to <paramref name="device"/> (no copy when it is there already).</summary>
    public void To(Device device)
    {
        var moved = MemoryBank.to(device).DetachFromDisposeScope();
        MemoryBank.Dispose();
        MemoryBank = moved;
    }

    /// <summary>
    /// The <paramref name="k"/> nearest bank entries of every query row [Q, D]: squared L2 distances [Q, k'] in
    /// ascending order and their bank indices [Q, k'] (int64), with k' = min(k, M). Both on the bank's device.
    /// </summary>
    public (Tensor SquaredDistances, Tensor Indices) Search(Tensor queries, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queries.dim() != 2 || queries.size(1) != Dimension)
            throw new ArgumentException($"queries must be [Q, {Dimension}], got [{string.Join(", ", queries.shape)}]", nameof(queries));
        var q = queries.size(0);
        var kept = (int)Math.Min(k, Count);
        var distances = new List<Tensor>();
        var indices = new List<Tensor>();
        try
        {
            using var noGrad = torch.no_grad();
            for (long start = 0; start < q; start += Chunk)
            {
                using var block = queries.narrow(0, start, Math.Min(Chunk, q - start));
                var (d, i) = SearchBlock(block, kept);
                distances.Add(d);
                indices.Add(i);
            }
            if (distances.Count == 0)
                return (torch.empty([0, kept], device: MemoryBank.device), torch.empty([0, kept], ScalarType.Int64, MemoryBank.device));
            using var euclidean = torch.cat(distances.ToArray());
            return (euclidean.square(), torch.cat(indices.ToArray()));
        }
        finally
        {
            foreach (var t in distances) t.Dispose();
            foreach (var t in indices) t.Dispose();
        }
    }

    /// <summary>The k best (Euclidean) of one query block over the whole bank, merged block by block.</summary>
    private (Tensor Distances, Tensor Indices) SearchBlock(Tensor queries, int k)
    {
        Tensor? best = null;
        Tensor? bestIndices = null;
        try
        {
            var m = Count;
            for (long start = 0; start < m; start += Chunk)
            {
                var length = Math.Min(Chunk, m - start);
                using var bank = MemoryBank.narrow(0, start, length);
                using var d = torch.cdist(queries, bank);
                var (values, local) = d.topk(Math.Min(k, length), dim: 1, largest: false, sorted: true);
                Tensor global;
                using (local) global = start == 0 ? local.alias() : local.add(start);
                if (best is null)
                {
                    (best, bestIndices) = (values, global);
                    continue;
                }
                using (values)
                using (global)
                using (var allValues = torch.cat([best, values], 1))
                using (var allIndices = torch.cat([bestIndices!, global], 1))
                {
                    var (merged, position) = allValues.topk(Math.Min(k, allValues.size(1)), dim: 1, largest: false, sorted: true);
                    using (position)
                    {
                        best.Dispose();
                        bestIndices!.Dispose();
                        best = merged;
                        bestIndices = allIndices.gather(1, position);
                    }
                }
            }
            return (best!, bestIndices!);
        }
        catch
        {
            best?.Dispose();
            bestIndices?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The paper's re-weighted image scores (Sec. 3.3, Eq. 6–7), for a batch of images' patch vectors
    /// [B, P, D] and each patch's nearest bank entry (squared distance [B, P], index [B, P]):
    /// <list type="bullet">
    /// <item>m^{test,*}: the patch with the largest distance to its nearest bank entry m^*;
    /// s^* = ‖m^{test,*} − m^*‖₂ (Eq. 6, Euclidean as in the paper);</item>
    /// <item>N_b(m^*): the b nearest bank entries of m^* (m^* itself, at distance 0, first);</item>
    /// <item>s = (1 − exp‖m^{test,*} − m^*‖₂ / Σ_{m∈N_b(m^*)} exp‖m^{test,*} − m‖₂) · s^* (Eq. 7),
    /// evaluated as 1 − exp(s^* − logsumexp) in float64 so that large distances do not overflow.</item>
    /// </list>
    /// Returns float32 [B].
    /// </summary>
    public Tensor ReweightedImageScores(Tensor patches, Tensor nearestSquaredDistances, Tensor nearestIndices, int b)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(b, 1);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var batch = patches.size(0);
        var dimension = patches.size(2);
        // m^{test,*} and m^* per image.
        var worst = nearestSquaredDistances.argmax(1, keepdim: true);                        // [B,1]
        var sStar = nearestSquaredDistances.gather(1, worst).view(batch).to(ScalarType.Float64).clamp_min(0).sqrt();
        var mStarIndex = nearestIndices.gather(1, worst).view(batch);                       // [B]
        var testIndex = worst.view(batch, 1, 1).expand(batch, 1, dimension);
        var mTest = patches.gather(1, testIndex).view(batch, dimension);                    // [B,D]
        var mStar = MemoryBank.index_select(0, mStarIndex);                                 // [B,D]
        // N_b(m^*), and the distances of m^{test,*} to its members.
        var (_, support) = Search(mStar, b);                                                // [B,b']
        var members = MemoryBank.index_select(0, support.reshape(-1)).view(batch, support.size(1), dimension);
        var distances = members.sub(mTest.unsqueeze(1)).to(ScalarType.Float64).norm(2, 2);  // [B,b']
        var logDenominator = distances.logsumexp([1]);
        var weight = sStar.sub(logDenominator).exp().neg().add(1);
        return weight.mul(sStar).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => MemoryBank.Dispose();
}
