// CFA's memory bank C: Lee et al., arXiv 2206.04325, §3.2 describes an EMA of nearest patch features starting
// from k-means of the first image (Algorithm 1); the official code, which produced the published numbers, does
// something simpler and this class follows it: sungwool/CFA_for_anomaly_localization utils/cfa.py
// ::DSVDD._init_centroid (the running mean over training batches of the batch-mean descriptor output, per
// spatial location, computed once with the untrained descriptor before training and never updated; author's
// reply in issue #3), then optionally sklearn KMeans to H·W/γ_c centres.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Cfa;

/// <summary>
/// Accumulates C ← (C·i + mean_b φ(x_b)) / (i + 1) over batches i = 0, 1, … of descriptor outputs [B, D, H, W];
/// <see cref="ToBank"/> gives one D-vector per location, [H·W, D] (row-major over H, W). With equal batches
/// (the official loader drops the last, smaller one) this is the plain mean over all training images.
/// </summary>
public sealed class MemoryBank : IDisposable
{
    private Tensor? _mean;
    private long _batches;

    public long Batches => _batches;

    /// <summary>Adds the batch mean of <paramref name="features"/> [B, D, H, W] to the running mean (no gradient).</summary>
    public void Add(Tensor features)
    {
        if (features.dim() != 4) throw new ArgumentException($"features must be [B,D,H,W], got [{string.Join(", ", features.shape)}]", nameof(features));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var batchMean = features.detach().mean(0, keepdim: true);
        Tensor next;
        if (_mean is null) next = batchMean.clone();
        else
        {
            if (!_mean.shape.SequenceEqual(batchMean.shape))
                throw new ArgumentException($"features [{string.Join(", ", features.shape)}] do not match the bank's [{string.Join(", ", _mean.shape)}]", nameof(features));
            next = (_mean * (double)_batches + batchMean) / (double)(_batches + 1);
        }
        next.DetachFromDisposeScope();
        _mean?.Dispose();
        _mean = next;
        _batches++;
    }

    /// <summary>The bank [H·W, D]; the caller owns it. Throws when no batch was added.</summary>
    public Tensor ToBank()
    {
        if (_mean is null) throw new InvalidOperationException("the memory bank has seen no batch");
        using var scope = torch.NewDisposeScope();
        var d = _mean.size(1);
        return _mean.permute(0, 2, 3, 1).reshape(-1, d).contiguous().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _mean?.Dispose();
        _mean = null;
    }
}
