// ReConPatch §3.2 (Hyun et al., WACV 2024; shared/research/methods-1.md §2.3): the similarity network f̄, ḡ
// that produces the pseudo-labels is not trained by gradient; after every step its parameters follow the
// target network's as an exponential moving average θ̄ ← γ·θ̄ + (1−γ)·θ (as in BYOL/MoCo).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>The EMA update of a similarity network from its target network (same architecture).</summary>
public static class ExponentialMovingAverage
{
    /// <summary>A copy of <paramref name="target"/>'s parameters into <paramref name="similarity"/>, whose parameters then take no gradient.</summary>
    public static void Initialise(Module similarity, Module target)
    {
        using var noGrad = torch.no_grad();
        foreach (var (average, online) in Pairs(similarity, target))
        {
            average.copy_(online);
            average.requires_grad = false;
        }
    }

    /// <summary>θ̄ ← γ·θ̄ + (1−γ)·θ in place, i.e. θ̄.lerp_(θ, 1−γ), without recording a gradient.</summary>
    public static void Update(Module similarity, Module target, double momentum)
    {
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "the momentum must be in [0, 1]");
        using var noGrad = torch.no_grad();
        foreach (var (average, online) in Pairs(similarity, target)) average.lerp_(online, 1 - momentum);
    }

    private static IEnumerable<(Tensor Average, Tensor Online)> Pairs(Module similarity, Module target)
    {
        var averages = similarity.named_parameters().ToList();
        var onlines = target.named_parameters().ToList();
        if (averages.Count != onlines.Count || averages.Zip(onlines).Any(p => p.First.name != p.Second.name || !p.First.parameter.shape.SequenceEqual(p.Second.parameter.shape)))
            throw new ArgumentException("the similarity network must have the target network's architecture");
        return averages.Zip(onlines, (a, o) => (a.parameter, o.parameter));
    }
}
