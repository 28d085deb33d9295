// Coreset-reduced patch-feature memory bank: Roth et al., CVPR 2022, Sec. 3.2 (Eq. 5, the minimax
// coverage objective; Algorithm 1, greedy coreset selection on randomly projected features). Official
// code: amazon-science/patchcore-inspection src/patchcore/sampler.py, ApproximateGreedyCoresetSampler
// (the variant every published run uses), with its _reduce_features and _compute_batchwise_differences.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// Picks the rows of the memory bank that PatchCore keeps: greedily, the row farthest from everything
/// picked so far, in a random projection of the features (Algorithm 1). As the official approximate
/// sampler:
/// <list type="bullet">
/// <item>the features are projected by a bias-free <c>torch.nn.Linear(D, 128)</c> at PyTorch's default
/// initialisation (skipped when D already is the projection dimension);</item>
/// <item>instead of the full N×N distance matrix, each row's running minimum distance starts as its mean
/// Euclidean distance to 10 random start rows, which are not themselves added;</item>
/// <item>⌊ratio·N⌋ times: take the argmax of the minimum distances (the first one on ties), add it, and
/// lower every row's minimum to its distance from the new row.</item>
/// </list>
/// The projection and the start rows are drawn from the torch CPU generator, so a run on CUDA picks the
/// same rows as one on the CPU (up to floating-point ties); the distances are computed on the features' device.
/// </summary>
public sealed class ApproximateGreedyCoresetSampler
{
    /// <param name="percentage">the kept fraction, in (0, 1]; 1 keeps every row (no selection, as the official sampler).</param>
    /// <param name="numberOfStartingPoints">random rows whose mean distance initialises the minimum distances.</param>
    /// <param name="dimensionToProjectFeaturesTo">the projection's dimension.</param>
    public ApproximateGreedyCoresetSampler(double percentage, int numberOfStartingPoints = 10, int dimensionToProjectFeaturesTo = 128)
    {
        if (!(percentage > 0 && percentage <= 1)) throw new ArgumentOutOfRangeException(nameof(percentage), percentage, "the coreset ratio must be in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfStartingPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensionToProjectFeaturesTo, 1);
        Percentage = percentage;
        NumberOfStartingPoints = numberOfStartingPoints;
        DimensionToProjectFeaturesTo = dimensionToProjectFeaturesTo;
    }

    public double Percentage { get; }

    public int NumberOfStartingPoints { get; }

    public int DimensionToProjectFeaturesTo { get; }

    /// <summary>How many rows of <paramref name="total"/> are kept: ⌊ratio·N⌋ as the official <c>int(len(features) * percentage)</c>, but at least one.</summary>
    public long CoresetSize(long total) => Percentage >= 1 ? total : Math.Max(1, (long)(total * Percentage));

    /// <summary>
    /// The indices (int64, on the features' device, in selection order) of the rows of <paramref name="features"/>
    /// [N, D] to keep. Draws the projection, then the start rows, from the CPU generator.
    /// </summary>
    /// <param name="progress">called with (picked, total) every few hundred picks.</param>
    public Tensor SampleIndices(Tensor features, CancellationToken cancellation = default, Action<long, long>? progress = null)
    {
        var n = features.size(0);
        if (n == 0) throw new ArgumentException("no features to sample from", nameof(features));
        var device = features.device;
        if (Percentage >= 1) return torch.arange(n, device: device);
        using var noGrad = torch.no_grad();
        using var reduced = ReduceFeatures(features);
        using var starts = DrawStartPoints(n, device);
        return ComputeGreedyCoresetIndices(reduced, starts, CoresetSize(n), cancellation, progress);
    }

    /// <summary>
    /// Official <c>_reduce_features</c>: the features through a new bias-free <c>Linear(D, projection)</c>
    /// initialised on the CPU (PyTorch's default init, from the CPU generator), or as they are when D already
    /// equals the projection dimension.
    /// </summary>
    public Tensor ReduceFeatures(Tensor features)
    {
        if (features.size(1) == DimensionToProjectFeaturesTo) return features.alias();
        using var mapper = new Linear(features.size(1), DimensionToProjectFeaturesTo, bias: false);
        using var weight = mapper.weight.to(features.device);
        using var noGrad = torch.no_grad();
        return functional.linear(features, weight);
    }

    /// <summary>min(starts, N) distinct row indices drawn without replacement from the CPU generator, moved to <paramref name="device"/>.</summary>
    public Tensor DrawStartPoints(long count, Device device)
    {
        using var permutation = torch.randperm(count);
        using var first = permutation.narrow(0, 0, Math.Min(NumberOfStartingPoints, count));
        return first.to(device);
    }

    /// <summary>
    /// The greedy selection itself (official <c>_compute_greedy_coreset_indices</c> of the approximate sampler) on
    /// given (already projected) features [N, d] and start rows: returns <paramref name="count"/> indices, int64, on the
    /// features' device. Runs without host synchronisation per step, so that on CUDA the loop is only launch-bound.
    /// </summary>
    public static Tensor ComputeGreedyCoresetIndices(Tensor features, Tensor startPoints, long count,
        CancellationToken cancellation = default, Action<long, long>? progress = null)
    {
        var n = features.size(0);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var squaredNorms = features.square().sum(1);
        var starts = features.index_select(0, startPoints);
        var startNorms = squaredNorms.index_select(0, startPoints);
        // Each row's mean Euclidean distance to the start rows; they are not added to the coreset.
        var minDistances = BatchwiseDistances(features, squaredNorms, starts, startNorms).mean(1);
        var selected = torch.empty([count], ScalarType.Int64, features.device);
        const long reportEvery = 256;
        for (long k = 0; k < count; k++)
        {
            if (k % reportEvery == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Invoke(k, count);
            }
            using var step = torch.NewDisposeScope();
            var index = minDistances.argmax().view(1);
            selected.narrow(0, k, 1).copy_(index);
            // The same ‖a‖² + ‖b‖² − 2a·b as below, with a matrix-vector product: a [N,d]×[d,1] matrix
            // product is several times slower on the CPU for a single column.
            var point = features.index_select(0, index).view(-1);
            var squared = squaredNorms.add(features.matmul(point), alpha: -2).add_(squaredNorms.index_select(0, index));
            var distances = squared.clamp_(0).sqrt();
            minDistances.copy_(torch.minimum(minDistances, distances));
        }
        progress?.Invoke(count, count);
        return selected.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Euclidean distances [N, M] between the rows of <paramref name="a"/> and <paramref name="b"/> as the official
    /// <c>_compute_batchwise_differences</c>: sqrt(clamp(‖a‖² + ‖b‖² − 2·a·bᵀ, 0)).
    /// </summary>
    private static Tensor BatchwiseDistances(Tensor a, Tensor aSquaredNorms, Tensor b, Tensor bSquaredNorms)
    {
        using var bT = b.t();
        using var products = a.mm(bT);
        using var aColumn = aSquaredNorms.view(-1, 1);
        using var bRow = bSquaredNorms.view(1, -1);
        using var sum = aColumn.add(bRow);
        using var squared = sum.add(products, alpha: -2);
        using var clamped = squared.clamp_min(0);
        return clamped.sqrt();
    }
}
