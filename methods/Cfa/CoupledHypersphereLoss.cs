// CFA's training objective: Lee et al., arXiv 2206.04325, §3.3, Eq. 1–3 (attraction to the K nearest memory
// features inside a hypersphere of radius r, repulsion of the next J "hard negatives" by a margin α).
// Official code: sungwool/CFA_for_anomaly_localization utils/cfa.py::DSVDD._soft_boundary (with the 1/ν scale,
// which the paper's text does not state) and DSVDD.__init__ (r = nn.Parameter(1e-5), optimised with φ).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Cfa;

/// <summary>The loss terms of one step (scalars, with autograd history).</summary>
public sealed record CoupledHypersphereTerms(Tensor Attraction, Tensor Repulsion, Tensor Total);

/// <summary>
/// The coupled-hypersphere loss. For every patch feature φ(p_t) and the memory bank C, with the squared distances
/// D_tn = ‖φ(p_t) − c_n‖² sorted ascending (d_(1) ≤ d_(2) ≤ …):
/// <list type="bullet">
/// <item>L_att = (1/ν) · mean_{b,t,k≤K} max(0, d_(k) − r²) (Eq. 2);</item>
/// <item>L_rep = (1/ν) · mean_{b,t,K&lt;j≤K+J} max(0, r² − d_(j) − α) (Eq. 3; the official code slices <c>dist[:,:,J:]</c>,
/// the same entries because K = J there);</item>
/// <item>L = L_att + L_rep (Eq. 1).</item>
/// </list>
/// The radius r is a parameter of this module and is trained with the descriptor, as in the official code, so the
/// attraction pushes r up until the repulsion switches on (r² &gt; d + α). anomalib keeps r fixed at 1e-5 (a
/// non-leaf tensor that no optimiser sees), which makes its L_rep identically 0; <see cref="CfaOptions.TrainRadius"/>
/// = false reproduces that.
/// </summary>
public sealed class CoupledHypersphereLoss : Module
{
    public CoupledHypersphereLoss(int k, int j, double alpha, double nu, double radius, bool trainRadius = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(j, 0);
        K = k;
        J = j;
        Alpha = alpha;
        Nu = nu;
        register_parameter("r", torch.full([1], radius), requires_grad: trainRadius);
    }

    public int K { get; }

    public int J { get; }

    public double Alpha { get; }

    public double Nu { get; }

    /// <summary>The hypersphere radius r [1] (official <c>DSVDD.r</c>).</summary>
    public Tensor r => get_parameter("r");

    /// <summary>
    /// The loss for patch features <paramref name="features"/> [B, P, D] and the bank <paramref name="bank"/> [N, D]
    /// (N ≥ K + J). The distances are the official ‖φ‖² + ‖c‖² − 2φ·c, differentiable with respect to φ and r.
    /// </summary>
    public CoupledHypersphereTerms forward(Tensor features, Tensor bank)
    {
        if (bank.size(0) < K + J)
            throw new ArgumentException($"the memory bank has {bank.size(0)} entries, fewer than K + J = {K + J}", nameof(bank));
        using var scope = torch.NewDisposeScope();
        var distances = SquaredDistances(features, bank);
        var nearest = distances.topk(K + J, dim: 2, largest: false, sorted: true).values;
        var radiusSquared = r.square();
        var scale = 1.0 / Nu;
        var attraction = (nearest.narrow(2, 0, K) - radiusSquared).clamp_min(0).mean() * scale;
        var repulsion = J == 0
            ? torch.zeros([], features.dtype, features.device)
            : (radiusSquared - nearest.narrow(2, K, J) - Alpha).clamp_min(0).mean() * scale;
        var total = attraction + repulsion;
        return new CoupledHypersphereTerms(attraction.MoveToOuterDisposeScope(), repulsion.MoveToOuterDisposeScope(), total.MoveToOuterDisposeScope());
    }

    /// <summary>Features [B, P, D] and a bank [N, D] of the same D, or an error that shows both shapes.</summary>
    internal static void CheckShapes(Tensor features, Tensor bank)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(bank);
        if (features.dim() != 3 || bank.dim() != 2 || features.size(2) != bank.size(1))
            throw new ArgumentException($"features [B,P,D] and bank [N,D] must agree in D, got [{string.Join(", ", features.shape)}] and [{string.Join(", ", bank.shape)}]");
    }

    /// <summary>‖φ‖² + ‖c‖² − 2φ·c: [B, P, D] × [N, D] → [B, P, N] (official DSVDD; may be slightly negative by rounding).</summary>
    public static Tensor SquaredDistances(Tensor features, Tensor bank)
    {
        CheckShapes(features, bank);
        using var scope = torch.NewDisposeScope();
        var featureNorms = features.square().sum(2, keepdim: true);          // [B,P,1]
        var bankNorms = bank.square().sum(1).view(1, 1, -1);                 // [1,1,N]
        var products = features.matmul(bank.t()) * 2.0;                     // [B,P,N]
        return (featureNorms + bankNorms - products).MoveToOuterDisposeScope();
    }
}
