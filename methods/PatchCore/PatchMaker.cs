// Locally aware patch features: Roth et al., CVPR 2022, Sec. 3.1, Eq. 1–2 (the p×p neighbourhood of
// every feature position) and Eq. 3 (features of several hierarchy levels on one grid). Official code:
// amazon-science/patchcore-inspection src/patchcore/patchcore.py, PatchMaker.patchify (torch.nn.Unfold)
// and the resampling of the deeper layers in PatchCore._embed.

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// Turns a feature map into one patch tensor per position and brings every layer onto the first
/// layer's grid. A position's patch is its zero-padded p×p neighbourhood in all channels, ordered
/// channel-major (c, dy, dx) as <c>torch.nn.Unfold</c> lays it out; the official code keeps that order
/// when it flattens a patch, which is what makes its later average pooling mix neighbouring channels.
/// </summary>
public sealed class PatchMaker
{
    /// <param name="patchSize">p, odd: Unfold(p, stride 1, padding (p−1)/2) keeps the map's size.</param>
    public PatchMaker(int patchSize)
    {
        if (patchSize < 1 || patchSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "the patch size must be odd and at least 1");
        PatchSize = patchSize;
    }

    public int PatchSize { get; }

    /// <summary>
    /// [B,C,h,w] → [B, C·p·p, h, w]: at each position, the p×p neighbourhood of every channel
    /// (official <c>patchify</c>: <c>Unfold(kernel_size=p, stride=1, padding=(p−1)/2)</c>).
    /// </summary>
    public Tensor Patchify(Tensor features)
    {
        var shape = features.shape;
        if (shape.Length != 4) throw new ArgumentException($"a feature map is [B,C,H,W], got [{string.Join(", ", shape)}]", nameof(features));
        using var unfolded = functional.unfold(features, PatchSize, padding: (PatchSize - 1) / 2, stride: 1);
        return unfolded.view(shape[0], shape[1] * PatchSize * PatchSize, shape[2], shape[3]);
    }

    /// <summary>
    /// Resamples a deeper layer's patches [B, C·p·p, h, w] to the reference grid [B, C·p·p, H, W]:
    /// every patch entry is its own bilinear image (align_corners=False), as the official
    /// <c>F.interpolate(_features.unsqueeze(1), size=ref_num_patches, mode="bilinear", align_corners=False)</c>
    /// over all B·C·p·p slices.
    /// </summary>
    public static Tensor ResampleToGrid(Tensor patches, long height, long width)
    {
        if (patches.size(2) == height && patches.size(3) == width) return patches.alias();
        return functional.interpolate(patches, [height, width], mode: "bilinear", align_corners: false);
    }

    /// <summary>[B, L, H, W] → [B·H·W, L]: one row per patch, image by image, row-major over the grid (the official order).</summary>
    public static Tensor ToRows(Tensor patches)
    {
        var shape = patches.shape;
        using var moved = patches.permute(0, 2, 3, 1);
        return moved.reshape(shape[0] * shape[2] * shape[3], shape[1]);
    }
}
