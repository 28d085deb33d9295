// What FYD's aligned forward pass yields, and the mapping of the aligned stage maps back to a common frame for the
// Gaussian (arXiv 2110.04538 coarse alignment; RegAD models/stn.py un-warps each stage with the inverse of the
// transforms composed through all earlier stages, methods-1.md §3.4), concatenated PaDiM-style on the first stage's
// grid (PaDiM's embedding_concat, whose unfold/fold equals nearest-neighbour upsampling for integer ratios).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// The image after ICA [B, 3, H, W], its transform θ₀ [B, 3, 3], and for every requested stage its FCA-aligned map
/// [B, C, h, w] with the composed FCA transform θ₁·…·θ_k [B, 3, 3]. Owns its tensors.
/// </summary>
public sealed class FydFeatures : IDisposable
{
    private readonly (Tensor Map, Tensor Composed)[] _stages;

    public FydFeatures(Tensor alignedImage, Tensor imageTheta, (Tensor Map, Tensor Composed)[] stages, IReadOnlyList<string> names)
    {
        AlignedImage = alignedImage;
        ImageTheta = imageTheta;
        _stages = stages;
        Names = names;
    }

    public Tensor AlignedImage { get; }

    public Tensor ImageTheta { get; }

    public IReadOnlyList<string> Names { get; }

    /// <summary>The FCA-aligned map of a stage (the fine loss's input).</summary>
    public Tensor Map(string stage) => _stages[Index(stage)].Map;

    /// <summary>The composed FCA transform θ₁·…·θ_k of a stage.</summary>
    public Tensor Composed(string stage) => _stages[Index(stage)].Composed;

    private int Index(string stage)
    {
        for (var k = 0; k < Names.Count; k++)
        {
            if (Names[k] == stage) return k;
        }
        throw new KeyNotFoundException($"no stage '{stage}'; present: {string.Join(", ", Names)}");
    }

    /// <summary>
    /// The embedding [B, ΣC, h₁, w₁]: every stage map warped back by the inverse of its composed transform — the FCA
    /// transforms only (<paramref name="includeImage"/> false: the image-aligned frame) or θ₀·θ₁·…·θ_k (true: the input
    /// frame) —, upsampled (nearest) to the first stage's grid and concatenated.
    /// </summary>
    public Tensor Embedding(bool includeImage)
    {
        using var scope = torch.NewDisposeScope();
        var first = _stages[0].Map;
        var size = new[] { first.size(2), first.size(3) };
        var parts = new List<Tensor>();
        foreach (var (map, composed) in _stages)
        {
            var transform = includeImage ? ImageTheta.bmm(composed) : composed;
            var back = AffineTransform.Unwarp(map, transform);
            parts.Add(back.size(2) == size[0] && back.size(3) == size[1] ? back : functional.interpolate(back, size, mode: "nearest"));
        }
        return torch.cat(parts.ToArray(), 1).MoveToOuterDisposeScope();
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    public FydFeatures MoveToOuterDisposeScope()
    {
        AlignedImage.MoveToOuterDisposeScope();
        ImageTheta.MoveToOuterDisposeScope();
        foreach (var (map, composed) in _stages)
        {
            map.MoveToOuterDisposeScope();
            composed.MoveToOuterDisposeScope();
        }
        return this;
    }

    public void Dispose()
    {
        AlignedImage.Dispose();
        ImageTheta.Dispose();
        foreach (var (map, composed) in _stages)
        {
            map.Dispose();
            composed.Dispose();
        }
    }
}
