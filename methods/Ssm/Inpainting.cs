// SSM's inpainting step, shared by training and inference: official MediaBrain-SJTU/SSM train.py::train and test.py::test —
// one network pass per mask, then the composite of the hidden parts.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Ssm;

/// <summary>The composite x̂ = Σ_i x̂_i ⊙ (1 − M_i) [B,3,S,S] and the predicted masks m̂_i [n, B, 1, S, S] of one inpainting step.</summary>
public sealed class InpaintingResult(Tensor composite, Tensor predictedMasks) : IDisposable
{
    public Tensor Composite { get; } = composite;

    public Tensor PredictedMasks { get; } = predictedMasks;

    public void Dispose()
    {
        Composite.Dispose();
        PredictedMasks.Dispose();
    }
}

/// <summary>
/// For each mask M_i (1 = visible) the network sees cat(x ⊙ M_i, M_i) and returns (x̂_i, m̂_i); every pixel of the composite
/// comes from the pass in which it was hidden. Masks are [n, S, S] (one set for the whole batch, as in training and in the
/// first inference pass) or [n, B, S, S] (per image, after refinement has uncovered blocks).
/// </summary>
public static class Inpainting
{
    public static InpaintingResult Run(MaskedUNet network, Tensor images, Tensor masks)
    {
        using var scope = torch.NewDisposeScope();
        var batched = Batched(masks, images);
        Tensor? composite = null;
        var predicted = new List<Tensor>();
        for (var i = 0; i < batched.size(0); i++)
        {
            var mask = batched.select(0, i);                                    // [B, 1, S, S]
            var output = network.call(torch.cat([images * mask, mask], 1));   // [B, 4, S, S]
            var part = output.narrow(1, 0, 3) * (1 - mask);
            composite = composite is null ? part : composite + part;
            predicted.Add(output.narrow(1, 3, 1));
        }
        return new InpaintingResult(composite!.MoveToOuterDisposeScope(), torch.stack(predicted.ToArray()).MoveToOuterDisposeScope());
    }

    /// <summary>[n, S, S] or [n, B, S, S] → [n, B, 1, S, S] in the images' dtype (a view where possible).</summary>
    public static Tensor Batched(Tensor masks, Tensor images)
    {
        var (b, s) = (images.size(0), images.size(2));
        using var scope = torch.NewDisposeScope();
        Tensor batched = masks.dim() switch
        {
            3 => masks.view(masks.size(0), 1, 1, s, s).expand(masks.size(0), b, 1, s, s),
            4 => masks.unsqueeze(2),
            _ => throw new ArgumentException($"masks must be [n, S, S] or [n, B, S, S], got [{string.Join(", ", masks.shape)}]", nameof(masks)),
        };
        if (batched.size(1) != b || batched.size(3) != s || batched.size(4) != images.size(3))
            throw new ArgumentException($"masks [{string.Join(", ", masks.shape)}] do not fit images [{string.Join(", ", images.shape)}]", nameof(masks));
        return batched.to(images.dtype).MoveToOuterDisposeScope();
    }
}
