// SSM's training objective: official MediaBrain-SJTU/SSM train.py::train —
// L = γ·MSE(x, x̂) + α·MSGMS(x, x̂) + β·(1 − SSIM(x, x̂)) + Σ_i MSE(m̂_i, M_i), with α = β = γ = 1 (the RIAD loss plus SSM's
// mask-prediction term).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>The four terms of one step and their weighted total (all scalars).</summary>
public sealed class SsmLossTerms(Tensor mse, Tensor msgms, Tensor ssim, Tensor mask, Tensor total) : IDisposable
{
    /// <summary>MSE(x, x̂) of the composite.</summary>
    public Tensor Mse { get; } = mse;

    /// <summary>Multi-scale GMS loss of the composite.</summary>
    public Tensor Msgms { get; } = msgms;

    /// <summary>1 − SSIM of the composite.</summary>
    public Tensor Ssim { get; } = ssim;

    /// <summary>Σ_i MSE(m̂_i, M_i): the predicted mask channel of each pass against the mask that pass saw.</summary>
    public Tensor Mask { get; } = mask;

    public Tensor Total { get; } = total;

    public void Dispose()
    {
        Mse.Dispose();
        Msgms.Dispose();
        Ssim.Dispose();
        Mask.Dispose();
        Total.Dispose();
    }
}

/// <summary>SSM's loss with its weights γ (MSE), α (MSGMS) and β (SSIM); the mask term has weight 1 as in the official code.</summary>
public sealed record SsmLoss(double Gamma = 1, double Alpha = 1, double Beta = 1)
{
    /// <param name="images">x [B,3,S,S].</param>
    /// <param name="inpainted">the composite and the predicted masks of <see cref="Inpainting.Run"/>.</param>
    /// <param name="masks">the masks the passes saw, [n, S, S] or [n, B, S, S].</param>
    public SsmLossTerms Compute(Tensor images, InpaintingResult inpainted, Tensor masks)
    {
        using var scope = torch.NewDisposeScope();
        var composite = inpainted.Composite;
        var mse = functional.mse_loss(composite, images);
        var msgms = GradientMagnitudeSimilarity.Loss(images, composite);
        var ssim = Ssm.Ssim.Loss(images, composite);
        var mask = MaskLoss(inpainted.PredictedMasks, Inpainting.Batched(masks, images));
        var total = mse * Gamma + msgms * Alpha + ssim * Beta + mask;
        return new SsmLossTerms(mse.MoveToOuterDisposeScope(), msgms.MoveToOuterDisposeScope(), ssim.MoveToOuterDisposeScope(),
            mask.MoveToOuterDisposeScope(), total.MoveToOuterDisposeScope());
    }

    /// <summary>Σ_i MSE(m̂_i, M_i) over the n passes; both [n, B, 1, S, S].</summary>
    public static Tensor MaskLoss(Tensor predicted, Tensor masks)
    {
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        for (var i = 0; i < predicted.size(0); i++)
        {
            var term = functional.mse_loss(predicted.select(0, i), masks.select(0, i));
            total = total is null ? term : total + term;
        }
        return total!.MoveToOuterDisposeScope();
    }
}
