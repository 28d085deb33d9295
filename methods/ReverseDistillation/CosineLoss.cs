// The reconstruction losses of reverse distillation.
// - Global cosine: the loss of the official code of both papers, hq-deng/RD4AD main.py (loss_fucntion) and
//   guojiajeremy/ReContrast utils.py (global_cosine): Σ_l mean_b [1 − cos(flatten(E_l), flatten(D_l))], the cosine
//   taken over the whole C·H·W vector of each sample.
// - Per-pixel cosine: RD4AD paper Eq. 1–2 (Deng and Li, CVPR 2022, §3.4): Σ_l 1/(H_l W_l) Σ_{h,w} [1 − cos(E_l(h,w),
//   D_l(h,w))], averaged over the batch; reported (hq-deng/RD4AD#22) to be less accurate than the code's form.
// - Hard-normal mining (ReContrast, Guo et al., NeurIPS 2023, §3.3; official utils.py global_cosine_hm): the loss
//   value is the global cosine, but the gradient reaching the prediction is multiplied by `factor` at every point
//   whose distance 1 − cos_channel is below mean + α·std of its level (unbiased std over B·H·W points).
//   The official code does this with a backward hook; here b' = sg(b) + m ⊙ (b − sg(b)) gives the same value and
//   the same gradients (shared/research/methods-2.md §1.2).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>The cosine reconstruction losses of RD4AD and ReContrast; each sums over the levels it is given.</summary>
public static class CosineLoss
{
    /// <summary>Σ_l mean_b [1 − cos(flatten(target_l), flatten(prediction_l))]: the official RD4AD and ReContrast loss.</summary>
    public static Tensor Global(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions)
    {
        CheckPairs(targets, predictions);
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        for (var l = 0; l < targets.Count; l++)
        {
            var (a, b) = (targets[l], predictions[l]);
            var cos = functional.cosine_similarity(a.reshape(a.size(0), -1), b.reshape(b.size(0), -1), 1);
            var level = cos.neg().add(1.0).mean();
            total = total is null ? level : total + level;
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>Σ_l mean_{b,h,w} [1 − cos_channel(target_l, prediction_l)]: RD4AD paper Eq. 1–2.</summary>
    public static Tensor PerPixel(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions)
    {
        CheckPairs(targets, predictions);
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        for (var l = 0; l < targets.Count; l++)
        {
            var level = Distance(targets[l], predictions[l]).mean();
            total = total is null ? level : total + level;
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ReContrast's <c>global_cosine_hm(a, b, alpha, factor)</c>: <see cref="Global"/> of the detached targets and the
    /// predictions passed through <see cref="HardMined"/>. The value equals the plain global cosine; only the gradient
    /// differs.
    /// </summary>
    public static Tensor GlobalHardMined(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions, double alpha, double factor)
    {
        CheckPairs(targets, predictions);
        using var scope = torch.NewDisposeScope();
        var detached = targets.Select(t => t.detach()).ToList();
        var mined = predictions.Select((b, l) => HardMined(detached[l], b, alpha, factor)).ToList();
        return Global(detached, mined).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// b' = sg(b) + m ⊙ (b − sg(b)) with m = <see cref="HardMiningMask"/>: the value of b, and ∂L/∂b' · m as b's gradient
    /// (the official hook <c>modify_grad</c> multiplies the gradient by <paramref name="factor"/> where p &lt; τ).
    /// </summary>
    public static Tensor HardMined(Tensor target, Tensor prediction, double alpha, double factor)
    {
        using var scope = torch.NewDisposeScope();
        var mask = HardMiningMask(target, prediction, alpha, factor);
        var frozen = prediction.detach();
        return (frozen + mask * (prediction - frozen)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// m [B,1,H,W]: 1 at hard points (p ≥ τ) and <paramref name="factor"/> at easy ones (p &lt; τ), where
    /// p = 1 − cos_channel(target, prediction) and τ = mean(p) + α·std(p) over the level's B·H·W points (unbiased std).
    /// </summary>
    public static Tensor HardMiningMask(Tensor target, Tensor prediction, double alpha, double factor)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var p = Distance(target, prediction).unsqueeze(1);
        var threshold = p.mean() + p.reshape(-1).std(unbiased: true) * alpha;
        var easy = p.lt(threshold).to(prediction.dtype);
        // m = 1 − easy·(1 − factor): 1 where hard, factor where easy.
        return easy.mul(factor - 1).add(1.0).MoveToOuterDisposeScope();
    }

    /// <summary>1 − cos over channels: [B,C,H,W] × [B,C,H,W] → [B,H,W] (official <c>1 - F.cosine_similarity(a, b)</c>).</summary>
    public static Tensor Distance(Tensor target, Tensor prediction)
    {
        using var cos = functional.cosine_similarity(target, prediction, 1);
        using var negated = cos.neg();
        return negated.add(1.0);
    }

    private static void CheckPairs(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> predictions)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        if (targets.Count == 0 || targets.Count != predictions.Count)
            throw new ArgumentException($"one prediction per target level is needed, got {targets.Count} targets and {predictions.Count} predictions");
        for (var l = 0; l < targets.Count; l++)
        {
            if (!targets[l].shape.SequenceEqual(predictions[l].shape))
                throw new ArgumentException($"level {l}: target [{string.Join(", ", targets[l].shape)}] and prediction [{string.Join(", ", predictions[l].shape)}] differ in shape");
        }
    }
}
