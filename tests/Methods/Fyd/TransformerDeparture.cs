using AnomalyBench.Datasets;
using AnomalyBench.Methods.Fyd;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Tests.Methods.Fyd;

/// <summary>
/// How far training moved FYD's modules from where they started. A transformer is judged by what it outputs, θ, not by
/// its weights: mean over images of ‖θ − I‖_F (3×3), ICA's θ₀ and FCA's composed θ₁·…·θ_k, with the network in eval
/// mode. Every transformer starts at the identity (last FC zero-weighted, bias = identity), so an untrained one gives
/// exactly 0. Parameter sets (projector, backbone) are judged by ‖W − W₀‖ / ‖W₀‖ over all their tensors together.
/// </summary>
internal static class TransformerDeparture
{
    /// <summary>Mean ‖θ − I‖_F over <paramref name="images"/> of ICA's transform and of each stage's composed FCA transform (key "ica" or the stage).</summary>
    public static Dictionary<string, double> Of(FydNetwork network, IReadOnlyList<Sample> images, Preprocessing preprocessing)
    {
        var sums = new Dictionary<string, double>();
        var count = 0L;
        using var noGrad = torch.no_grad();
        network.eval();
        using var loader = new DataLoader(images, preprocessing, Device.CPU, new LoaderOptions(BatchSize: 8));
        foreach (var batch in loader)
        {
            using var scope = torch.NewDisposeScope();
            using var features = network.call(batch.Images);
            if (network.ImageAlignment is not null) Add(sums, "ica", features.ImageTheta);
            foreach (var stage in features.Names)
            {
                if (network.FeatureAlignment(stage) is not null) Add(sums, stage, features.Composed(stage));
            }
            count += batch.Images.size(0);
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / count);
    }

    private static void Add(Dictionary<string, double> sums, string key, Tensor theta)
    {
        using var eye = torch.eye(3, theta.dtype, theta.device);
        using var difference = theta - eye;
        using var norms = difference.to(ScalarType.Float64).square().sum([1, 2]).sqrt().sum();
        sums[key] = sums.GetValueOrDefault(key) + norms.item<double>();
    }

    /// <summary>‖W − W₀‖ / ‖W₀‖ over the parameters of <paramref name="trained"/> against the same module of <paramref name="initial"/>.</summary>
    public static double Relative(Module trained, Module initial)
    {
        var before = initial.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double change = 0, norm = 0;
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in trained.named_parameters())
        {
            using var a = parameter.to(ScalarType.Float64);
            using var b = before[name].to(ScalarType.Float64);
            using var d = (a - b).square().sum();
            using var n = b.square().sum();
            change += d.item<double>();
            norm += n.item<double>();
        }
        return Math.Sqrt(change) / Math.Sqrt(norm);
    }
}
