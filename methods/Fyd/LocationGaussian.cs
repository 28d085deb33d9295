// FYD's normal distribution and scoring follow PaDiM (Defard et al., ICPR 2021), which FYD builds on
// (methods-1.md §3.2; the scoring details are NOT FOUND for FYD, §3.3, and are RegAD's PaDiM code, §3.4):
// per location (i, j) of the embedding grid a Gaussian N(μ_ij, Σ_ij) with Σ_ij = cov + ε·I (ε = 0.01), on a random
// subset of d channels (PaDiM: d = 100 of 448 for ResNet-18, 550 of 1792 for WRN-50-2), and the Mahalanobis distance
// M(x_ij) = sqrt((x_ij − μ_ij)ᵀ Σ_ij⁻¹ (x_ij − μ_ij)) as the score.
// [harness] Memory: instead of keeping every training embedding as PaDiM does, the sums Σx and Σxxᵀ per location are
// accumulated batch by batch in float64 (around a shift, the first batch's mean, against cancellation), and the
// covariances are inverted in chunks of locations; only μ [L, d] and Σ⁻¹ [L, d, d] are kept, in float32.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Fyd;

/// <summary>A fitted per-location Gaussian: means [L, d], precisions Σ⁻¹ [L, d, d], and the channel subset [d] it reads.</summary>
public sealed class LocationGaussian : IDisposable
{
    /// <summary>Locations whose covariances are inverted at once (bounds the float64 temporaries).</summary>
    private const int InversionChunk = 256;

    public LocationGaussian(Tensor mean, Tensor precision, Tensor channels)
    {
        if (mean.dim() != 2 || precision.dim() != 3 || precision.size(0) != mean.size(0) || precision.size(1) != mean.size(1) || precision.size(2) != mean.size(1))
            throw new ArgumentException($"mean must be [L, d] and precision [L, d, d], got [{string.Join(", ", mean.shape)}] and [{string.Join(", ", precision.shape)}]");
        if (channels.dim() != 1 || channels.size(0) != mean.size(1))
            throw new ArgumentException($"channels must be [d] with d = {mean.size(1)}, got [{string.Join(", ", channels.shape)}]");
        Mean = mean.DetachFromDisposeScope();
        Precision = precision.DetachFromDisposeScope();
        Channels = channels.DetachFromDisposeScope();
    }

    public Tensor Mean { get; private set; }

    public Tensor Precision { get; private set; }

    /// <summary>The embedding channels (int64) the Gaussian is fitted on.</summary>
    public Tensor Channels { get; private set; }

    /// <summary>
    /// PaDiM's random channel subset: <paramref name="count"/> of <paramref name="total"/> channels (all when count is 0
    /// or not smaller), drawn without replacement from a generator seeded with <paramref name="seed"/>, in drawn order.
    /// </summary>
    public static long[] ChannelSubset(long total, int count, ulong seed)
    {
        var indices = Enumerable.Range(0, (int)total).Select(i => (long)i).ToArray();
        if (count == 0 || count >= total) return indices;
        var random = new Random(unchecked((int)seed));
        for (var k = 0; k < count; k++)
        {
            var j = k + random.Next((int)total - k);
            (indices[k], indices[j]) = (indices[j], indices[k]);
        }
        return indices[..count];
    }

    /// <summary>M(x) per location: embeddings [B, d, H, W] (already reduced to <see cref="Channels"/>) → [B, H, W].</summary>
    public Tensor Mahalanobis(Tensor embeddings)
    {
        var (b, d, h, w) = (embeddings.size(0), embeddings.size(1), embeddings.size(2), embeddings.size(3));
        if (d != Mean.size(1) || h * w != Mean.size(0))
            throw new ArgumentException($"embeddings [{string.Join(", ", embeddings.shape)}] do not fit a Gaussian of {Mean.size(0)} locations × {Mean.size(1)} channels");
        using var scope = torch.NewDisposeScope();
        var x = embeddings.to(Mean.dtype).flatten(2).permute(2, 0, 1);          // [L, B, d]
        var centred = x - Mean.unsqueeze(1);
        var squared = (centred.bmm(Precision) * centred).sum(2);                 // [L, B]
        return squared.clamp_min(0).sqrt().transpose(0, 1).reshape(b, h, w).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Mean.Dispose();
        Precision.Dispose();
        Channels.Dispose();
    }

    /// <summary>Accumulates the per-location sums of the training embeddings, batch by batch, in float64.</summary>
    public sealed class Accumulator : IDisposable
    {
        private Tensor? _shift;
        private Tensor? _sum;
        private Tensor? _outer;
        private long _count;

        /// <summary>Adds embeddings [B, d, H, W].</summary>
        public void Add(Tensor embeddings)
        {
            using var scope = torch.NewDisposeScope();
            var x = embeddings.detach().to(ScalarType.Float64).flatten(2).permute(2, 0, 1);   // [L, B, d]
            _shift ??= x.mean(1, keepdim: true).DetachFromDisposeScope();                  // [L, 1, d]
            var centred = x - _shift;
            var sum = centred.sum(1);                                                      // [L, d]
            var outer = centred.transpose(1, 2).bmm(centred);                              // [L, d, d]
            Replace(ref _sum, _sum is null ? sum : _sum + sum);
            Replace(ref _outer, _outer is null ? outer : _outer + outer);
            _count += x.size(1);
        }

        private static void Replace(ref Tensor? field, Tensor value)
        {
            var kept = value.DetachFromDisposeScope();
            if (!ReferenceEquals(field, kept)) field?.Dispose();
            field = kept;
        }

        /// <summary>The Gaussian: μ, and (cov + ε·I)⁻¹ with the unbiased covariance (numpy's np.cov, as PaDiM).</summary>
        public LocationGaussian ToGaussian(Tensor channels, double epsilon, ScalarType dtype = ScalarType.Float32)
        {
            if (_count < 2) throw new InvalidOperationException($"a Gaussian needs at least 2 training images, got {_count}");
            using var scope = torch.NewDisposeScope();
            var meanShifted = _sum! / _count;                                              // [L, d]
            var locations = meanShifted.size(0);
            var d = meanShifted.size(1);
            var identity = torch.eye(d, ScalarType.Float64, meanShifted.device) * epsilon;
            var chunks = new List<Tensor>();
            for (long start = 0; start < locations; start += InversionChunk)
            {
                using var chunkScope = torch.NewDisposeScope();
                var length = Math.Min(InversionChunk, locations - start);
                var m = meanShifted.narrow(0, start, length);
                var covariance = (_outer!.narrow(0, start, length) - m.unsqueeze(2).bmm(m.unsqueeze(1)) * _count) / (_count - 1);
                chunks.Add((covariance + identity).inverse().to(dtype).MoveToOuterDisposeScope());
            }
            var mean = (meanShifted + _shift!.squeeze(1)).to(dtype);
            return new LocationGaussian(mean, torch.cat(chunks.ToArray(), 0), channels.to(ScalarType.Int64));
        }

        public void Dispose()
        {
            _shift?.Dispose();
            _sum?.Dispose();
            _outer?.Dispose();
        }
    }
}
