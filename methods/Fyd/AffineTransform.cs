// The affine algebra of FYD's coarse alignment (arXiv 2110.04538, §3 "coarse alignment"; methods-1.md §3.2) as
// RegAD's models/stn.py implements it (methods-1.md §3.4): F.affine_grid + F.grid_sample with reflection padding,
// and 3×3 homogeneous matrices so that the transforms of successive stages compose and invert.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// Warping by θ: out(p) = in(θ·p) in normalised coordinates ([-1, 1], align_corners=False), out-of-range samples
/// reflected. A map warped by θ₁ and then, after the next stage, by θ₂ shows at p what the first map showed at
/// θ₁·θ₂·p, so the composed transform of stages 1..k is θ₁·θ₂·…·θ_k and (θ₁·…·θ_k)⁻¹ maps stage k's map back.
/// </summary>
public static class AffineTransform
{
    /// <summary>[B, 2, 3] → [B, 3, 3] with the row (0, 0, 1) appended.</summary>
    public static Tensor Homogeneous(Tensor theta)
    {
        if (theta.dim() != 3 || theta.size(1) != 2 || theta.size(2) != 3)
            throw new ArgumentException($"theta must be [B, 2, 3], got [{string.Join(", ", theta.shape)}]", nameof(theta));
        using var scope = torch.NewDisposeScope();
        var row = torch.from_array(new[] { 0f, 0f, 1f }, [1, 1, 3], theta.device).to(theta.dtype).expand([theta.size(0), 1, 3]);
        return torch.cat([theta, row], 1).MoveToOuterDisposeScope();
    }

    /// <summary>An identity batch [B, 3, 3] like <paramref name="like"/>'s dtype and device.</summary>
    public static Tensor Identity(long batch, Tensor like)
    {
        using var eye = torch.eye(3, like.dtype, like.device);
        return eye.unsqueeze(0).expand([batch, 3, 3]).contiguous();
    }

    /// <summary>in(θ·p) for every output location p: <paramref name="input"/> [B, C, H, W], θ [B, 2, 3] or [B, 3, 3].</summary>
    public static Tensor Warp(Tensor input, Tensor theta)
    {
        using var scope = torch.NewDisposeScope();
        var affine = theta.size(1) == 3 ? theta.narrow(1, 0, 2) : theta;
        var grid = functional.affine_grid(affine.to(input.dtype), input.shape, align_corners: false);
        return functional.grid_sample(input, grid, padding_mode: "reflection", align_corners: false).MoveToOuterDisposeScope();
    }

    /// <summary>Maps a map warped by the composed transform <paramref name="composed"/> [B, 3, 3] back: a warp by its inverse.</summary>
    public static Tensor Unwarp(Tensor input, Tensor composed)
    {
        using var inverse = composed.inverse();
        return Warp(input, inverse);
    }
}
