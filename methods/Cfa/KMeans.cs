// CFA's memory-bank compression by γ_c: Lee et al., arXiv 2206.04325, §3.2 and Table 6; official code
// sungwool/CFA_for_anomaly_localization utils/cfa.py::DSVDD._init_centroid, which calls
// sklearn.cluster.KMeans(n_clusters=H·W//γ_c, max_iter=3000) (k-means++ seeding, Lloyd iterations).
// Here both run on the bank's device with torch operations; no external library.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Cfa;

/// <summary>k-means++ seeding (Arthur and Vassilvitskii, 2007) and Lloyd's iterations on the device.</summary>
public static class KMeans
{
    /// <summary>
    /// <paramref name="clusters"/> centres [k, D] of <paramref name="points"/> [N, D]. Seeding draws from the global
    /// torch generator (seed it first); Lloyd stops after <paramref name="maxIterations"/> or when no assignment
    /// changes. A cluster that loses all its points keeps its previous centre.
    /// </summary>
    public static Tensor Fit(Tensor points, int clusters, int maxIterations = 300, CancellationToken cancellation = default)
    {
        if (points.dim() != 2) throw new ArgumentException($"points must be [N, D], got [{string.Join(", ", points.shape)}]", nameof(points));
        var n = points.size(0);
        if (clusters < 1 || clusters > n) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, $"must be in [1, {n}]");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = points.detach();
        // The loop's state lives outside every scope so that each iteration frees what it replaces.
        var centres = Seed(x, clusters, cancellation).DetachFromDisposeScope();
        Tensor? assignment = null;
        try
        {
            for (var iteration = 0; iteration < maxIterations; iteration++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var inner = torch.NewDisposeScope();
                var next = torch.cdist(x, centres).argmin(1);
                if (assignment is not null && next.equal(assignment)) break;
                var rows = next.unsqueeze(1).expand([n, x.size(1)]);
                var sums = torch.zeros([clusters, x.size(1)], x.dtype, x.device).scatter_add(0, rows, x);
                var counts = torch.zeros([clusters], x.dtype, x.device).scatter_add(0, next, torch.ones([n], x.dtype, x.device));
                var empty = counts.eq(0.0).unsqueeze(1);
                var updated = torch.where(empty, centres, sums / counts.clamp_min(1).unsqueeze(1)).DetachFromDisposeScope();
                centres.Dispose();
                centres = updated;
                assignment?.Dispose();
                assignment = next.DetachFromDisposeScope();
            }
            return centres;
        }
        catch
        {
            centres.Dispose();
            throw;
        }
        finally
        {
            assignment?.Dispose();
        }
    }

    /// <summary>Σ_i min_c ‖x_i − c‖²: sklearn's inertia, the within-cluster distance k-means lowers.</summary>
    public static double Inertia(Tensor points, Tensor centres)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return torch.cdist(points, centres).amin([1]).square().sum().to(ScalarType.Float64).item<double>();
    }

    /// <summary>k-means++: the first centre uniformly, each next one with probability ∝ its squared distance to the nearest chosen centre.</summary>
    private static Tensor Seed(Tensor x, int clusters, CancellationToken cancellation)
    {
        using var scope = torch.NewDisposeScope();
        var n = x.size(0);
        var chosen = new long[clusters];
        chosen[0] = torch.multinomial(torch.ones([n], ScalarType.Float32, x.device), 1).item<long>();
        var nearest = torch.cdist(x, x.narrow(0, chosen[0], 1)).view(n).square();
        for (var c = 1; c < clusters; c++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var inner = torch.NewDisposeScope();
            var total = nearest.sum().item<float>();
            // All remaining points coincide with a centre: any of them will do.
            var weights = total > 0 ? nearest : torch.ones([n], x.dtype, x.device);
            chosen[c] = torch.multinomial(weights, 1).item<long>();
            var distance = torch.cdist(x, x.narrow(0, chosen[c], 1)).view(n).square();
            var updated = torch.minimum(nearest, distance).MoveToOuterDisposeScope();
            nearest.Dispose();
            nearest = updated;
        }
        using var index = torch.from_array(chosen, [clusters], x.device);
        return x.index_select(0, index).MoveToOuterDisposeScope();
    }
}
