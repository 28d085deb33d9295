using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// An ImageNet classification network used as a feature encoder: its <see cref="Module{TInput, TOutput}.forward"/>
/// gives the classifier's logits, <see cref="forward_stages"/> the intermediate feature maps that the
/// anomaly-detection methods compare (PatchCore, ReConPatch and CFA tap ResNet's layer2 and layer3;
/// RD4AD and ReContrast layer1 to layer3). Stage names are the torchvision module paths that PatchCore's
/// <c>layers_to_extract_from</c> and torchvision's <c>create_feature_extractor</c> use.
/// </summary>
public abstract class Backbone : Module<Tensor, Tensor>
{
    /// <summary>The stages <see cref="forward_stages"/> can return, shallow to deep (only those not truncated away).</summary>
    public abstract IReadOnlyList<string> stage_names { get; }

    /// <summary>Channels of a stage's output.</summary>
    public abstract long out_channels(string stage);

    /// <summary>Input pixels per output pixel of a stage along each side (4 for ResNet's layer1, 8 for layer2, ...).</summary>
    public abstract int reduction(string stage);

    /// <summary>
    /// Runs the network only as deep as the deepest requested stage and returns the requested stages'
    /// outputs, in the order asked. The caller owns (disposes) the result.
    /// </summary>
    public abstract FeatureMaps forward_stages(Tensor input, IReadOnlyList<string> stages);

    /// <summary>
    /// <see cref="forward_stages(Tensor, IReadOnlyList{string})"/> with the stage outputs taken as
    /// <paramref name="activation"/> says. Only a network of residual blocks has the pre-activation taps of
    /// <see cref="FeatureActivation.LeakyRelu"/> (<see cref="ResNet"/> overrides this); others support only
    /// <see cref="FeatureActivation.Relu"/>.
    /// </summary>
    public virtual FeatureMaps forward_stages(Tensor input, IReadOnlyList<string> stages, FeatureActivation activation) =>
        activation == FeatureActivation.Relu
            ? forward_stages(input, stages)
            : throw new NotSupportedException($"{GetType().Name} has no pre-activation stage outputs: feature_activation {activation} needs a ResNet backbone");

    /// <summary>
    /// Frees every layer after <paramref name="stage"/> (and the classifier), so that a feature extractor
    /// holds, moves and trains nothing it does not run. <see cref="Module{TInput, TOutput}.forward"/> is unusable afterwards.
    /// </summary>
    public abstract void truncate_after(string stage);

    /// <summary>True until <see cref="truncate_after"/> removed the classifier.</summary>
    public abstract bool has_classifier { get; }

    /// <summary>
    /// Renames a checkpoint's keys written by older versions of the network's code to the current ones
    /// (torchvision does this in its models' <c>_load_state_dict</c>); the tensors are the same objects.
    /// </summary>
    public virtual IReadOnlyDictionary<string, Tensor> remap_checkpoint_keys(IReadOnlyDictionary<string, Tensor> state_dict) => state_dict;

    /// <summary>Where the current weights came from (set by <see cref="WeightsStore"/>); null when nobody recorded it.</summary>
    public WeightsProvenance? provenance { get; internal set; }

    /// <summary>The index of each requested stage in <see cref="stage_names"/>; throws naming the valid stages otherwise.</summary>
    protected int[] StageIndices(IReadOnlyList<string> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0) throw new ArgumentException($"request at least one stage of {GetType().Name}: {string.Join(", ", stage_names)}", nameof(stages));
        var names = stage_names;
        var indices = new int[stages.Count];
        for (var k = 0; k < stages.Count; k++)
        {
            var index = IndexOf(names, stages[k]);
            if (index < 0)
                throw new ArgumentException($"{GetType().Name} has no stage '{stages[k]}'; its stages are {string.Join(", ", names)}", nameof(stages));
            if (Array.IndexOf(indices, index, 0, k) >= 0)
                throw new ArgumentException($"stage '{stages[k]}' is requested twice", nameof(stages));
            indices[k] = index;
        }
        return indices;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var k = 0; k < names.Count; k++)
        {
            if (string.Equals(names[k], name, StringComparison.Ordinal)) return k;
        }
        return -1;
    }

    /// <summary>Runs <paramref name="layer"/> on <paramref name="input"/> and disposes the input: one activation alive at a time.</summary>
    internal static Tensor Consume(Tensor input, Module<Tensor, Tensor> layer)
    {
        try
        {
            return layer.call(input);
        }
        finally
        {
            input.Dispose();
        }
    }

    /// <summary>
    /// The end of a residual block: h + identity, in place on <paramref name="h"/>, where the identity is
    /// <paramref name="x"/> or its projection by <paramref name="downsample"/> (He et al. 2016, Eq. 1–2). The
    /// block's final ReLU is left to the caller (<see cref="IResidualBlock.forward_pre_activation"/> needs the sum).
    /// </summary>
    internal static Tensor AddResidual(Tensor h, Tensor x, Sequential? downsample)
    {
        try
        {
            if (downsample is null)
            {
                h.add_(x);
            }
            else
            {
                using var identity = downsample.call(x);
                h.add_(identity);
            }
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }
}
