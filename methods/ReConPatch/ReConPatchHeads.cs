// ReConPatch §3.1 "Overall architecture" (Hyun et al., WACV 2024; shared/research/methods-1.md §2.3): a
// representation layer f, a linear modulation of the patch features whose output fills the memory bank, and a
// projection layer g on which the contrastive loss acts. The target network and the similarity network (its
// EMA copy) are two instances of this module.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>f: Linear(feature → representation) and g: Linear(representation → projection).</summary>
public sealed class ReConPatchHeads : Module<Tensor, Tensor>
{
    public ReConPatchHeads(long featureDimension, long representationDimension, long projectionDimension)
    {
        Representation = new Linear(featureDimension, representationDimension);
        Projection = new Linear(representationDimension, projectionDimension);
        register_module("representation", Representation);
        register_module("projection", Projection);
    }

    /// <summary>f: the features the memory bank stores and the scorer compares.</summary>
    public Linear Representation { get; }

    /// <summary>g: the embedding space of the loss and of the pseudo-labels.</summary>
    public Linear Projection { get; }

    /// <summary>z = g(f(p)).</summary>
    public override Tensor forward(Tensor input)
    {
        using var f = Representation.call(input);
        return Projection.call(f);
    }
}
