// CFA's patch descriptor φ: Lee et al., arXiv 2206.04325, §3.1 (patch features of a frozen CNN, adapted by a
// CoordConv layer). Official code: sungwool/CFA_for_anomaly_localization utils/cfa.py::Descriptor.forward.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Cfa;

/// <summary>
/// φ: each level's map is average-pooled (3×3, stride 1, padding 1, count_include_pad as in F.avg_pool2d's
/// default), the pooled maps of the deeper levels are bilinearly upsampled (align_corners=False) to the first
/// level's grid, all are concatenated (1792 channels for WRN-50-2 layers 1–3) and the 1×1 CoordConv maps them to
/// C/γ_d channels. The CoordConv is the only trainable part of CFA (with the radius r).
/// </summary>
public sealed class Descriptor : Module<IReadOnlyList<Tensor>, Tensor>
{
    /// <param name="channels">the concatenated channel count C of the backbone levels.</param>
    /// <param name="gammaD">γ_d: the output has C/γ_d channels.</param>
    public Descriptor(long channels, int gammaD)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gammaD, 1);
        if (channels / gammaD < 1) throw new ArgumentException($"gamma_d {gammaD} leaves no channel of {channels}", nameof(gammaD));
        register_module("layer", new CoordConv2d(channels, channels / gammaD));
    }

    /// <summary>The 1×1 CoordConv (official <c>self.layer</c>).</summary>
    public CoordConv2d layer => (CoordConv2d)get_submodule("layer");

    /// <summary>Backbone levels [B, C_l, H_l, W_l], the first the finest → φ(p) [B, C/γ_d, H_1, W_1].</summary>
    public override Tensor forward(IReadOnlyList<Tensor> levels)
    {
        using var fused = Fuse(levels);
        return layer.call(fused);
    }

    /// <summary>The pooled, upsampled and concatenated backbone levels [B, ΣC_l, H_1, W_1] (no trainable part).</summary>
    public static Tensor Fuse(IReadOnlyList<Tensor> levels)
    {
        if (levels.Count == 0) throw new ArgumentException("at least one backbone level is needed", nameof(levels));
        using var scope = torch.NewDisposeScope();
        var first = functional.avg_pool2d(levels[0], 3, 1, 1);
        var size = new[] { first.size(2), first.size(3) };
        var parts = new List<Tensor> { first };
        for (var l = 1; l < levels.Count; l++)
        {
            // Official: the POOLED map is upsampled (anomalib interpolated the raw map until PR #3474).
            var pooled = functional.avg_pool2d(levels[l], 3, 1, 1);
            parts.Add(functional.interpolate(pooled, size, mode: "bilinear", align_corners: false));
        }
        return torch.cat(parts.ToArray(), 1).MoveToOuterDisposeScope();
    }
}
