// The feature-extractor view every method builds on: PatchCore (Roth et al., CVPR 2022, Sec. 3.1)
// and ReConPatch take a frozen ImageNet WRN-50-2's layer2 and layer3; RD4AD (Deng and Li, CVPR
// 2022) a frozen encoder's layer1..layer3; ReContrast (Guo et al., NeurIPS 2023) trains a copy of the
// encoder. Like torchvision's create_feature_extractor it returns the requested stages by name, and
// like PatchCore's NetworkFeatureAggregator it stops the forward pass at the deepest requested stage.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Returns a backbone's requested stages (<c>layer2</c>, <c>layer3</c>, ...) by name. It owns the backbone,
/// registered as <c>backbone</c>, and frees its layers after the deepest requested stage at construction,
/// so nothing deeper is run, kept on the device or trained.
/// Frozen (the default): eval mode whatever <see cref="train"/> is told, parameters without gradients,
/// forward under no_grad. Trainable: gradients flow and <see cref="train"/> switches BatchNorm as usual.
/// Move it with <c>extractor.to(device)</c>; inputs must be on the same device.
/// </summary>
public sealed class FeatureExtractor : Module<Tensor, FeatureMaps>
{
    private readonly string[] _stages;

    /// <param name="backbone">the network; the extractor takes ownership (disposing it disposes the backbone).</param>
    /// <param name="stages">stage names of <see cref="Backbone.stage_names"/>, in the order the maps are returned.</param>
    /// <param name="trainable">false (frozen) for feature extraction, true for an encoder that is trained (ReContrast).</param>
    /// <param name="activation">which tensor each stage's map is (<see cref="FeatureActivation.LeakyRelu"/>: CFA's official taps).</param>
    public FeatureExtractor(Backbone backbone, IReadOnlyList<string> stages, bool trainable = false, FeatureActivation activation = FeatureActivation.Relu)
    {
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown feature activation");
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(stages);
        _stages = [.. stages];
        var available = backbone.stage_names;
        var deepest = -1;
        foreach (var stage in _stages)
        {
            var index = IndexOf(available, stage);
            if (index < 0) throw new ArgumentException($"{backbone.GetType().Name} has no stage '{stage}'; its stages are {string.Join(", ", available)}", nameof(stages));
            deepest = Math.Max(deepest, index);
        }
        if (_stages.Length == 0) throw new ArgumentException($"request at least one stage: {string.Join(", ", available)}", nameof(stages));
        if (_stages.Distinct(StringComparer.Ordinal).Count() != _stages.Length) throw new ArgumentException("a stage is requested twice", nameof(stages));

        if (activation != FeatureActivation.Relu && backbone is not ResNet)
            throw new ArgumentException($"{backbone.GetType().Name} has no pre-activation stage outputs: feature_activation {activation} needs a ResNet backbone", nameof(activation));
        backbone.truncate_after(available[deepest]);
        this.backbone = backbone;
        this.trainable = trainable;
        this.activation = activation;
        register_module("backbone", backbone);
        channels = [.. _stages.Select(backbone.out_channels)];
        reductions = [.. _stages.Select(backbone.reduction)];
        if (!trainable)
        {
            this.requires_grad_(false);
            base.train(false);
        }
    }

    public Backbone backbone { get; }

    /// <summary>The returned stages, in order.</summary>
    public IReadOnlyList<string> stages => _stages;

    /// <summary>Channels of each returned stage (e.g. 512 and 1024 for WRN-50-2's layer2 and layer3).</summary>
    public IReadOnlyList<long> channels { get; }

    /// <summary>Input pixels per feature pixel of each returned stage (8 and 16 for layer2 and layer3).</summary>
    public IReadOnlyList<int> reductions { get; }

    public bool trainable { get; }

    /// <summary>Which tensor each returned map is: torchvision's ReLU'd stage output, or CFA's leaky ReLU of the pre-activation.</summary>
    public FeatureActivation activation { get; }

    /// <summary>Where the backbone's weights came from; record it in every result that uses them.</summary>
    public WeightsProvenance? provenance => backbone.provenance;

    /// <summary>A frozen extractor stays in eval mode: its BatchNorm statistics are the pretrained ones.</summary>
    public override void train(bool mode = true) => base.train(trainable && mode);

    /// <summary>The requested stages' maps [N, C_s, H/r_s, W/r_s]; the caller disposes them.</summary>
    public override FeatureMaps forward(Tensor input)
    {
        if (trainable) return backbone.forward_stages(input, _stages, activation);
        using (torch.no_grad()) return backbone.forward_stages(input, _stages, activation);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var k = 0; k < names.Count; k++)
        {
            if (string.Equals(names[k], name, StringComparison.Ordinal)) return k;
        }
        return -1;
    }

    /// <summary>A frozen extractor of <paramref name="stages"/> of the store's <paramref name="backbone"/> (the backbone is freed if this fails).</summary>
    public static FeatureExtractor Create(WeightsStore store, string backbone, IReadOnlyList<string> stages, WeightsSource source,
        FeatureActivation activation = FeatureActivation.Relu)
    {
        var network = store.Create(backbone, source);
        try
        {
            return new FeatureExtractor(network, stages, activation: activation);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The extractor a checkpoint's state was fitted on: the same seed, or the same pretrained file
    /// (checked by SHA-256, since fitted state only fits the weights it was computed with).
    /// </summary>
    public static FeatureExtractor Restore(WeightsStore store, string backbone, IReadOnlyList<string> stages, WeightsProvenance provenance, string checkpoint,
        FeatureActivation activation = FeatureActivation.Relu)
    {
        var source = provenance.Source;
        var extractor = Create(store, backbone, stages, source, activation);
        if (!provenance.IsRandom && extractor.provenance?.Sha256 != provenance.Sha256)
        {
            var found = extractor.provenance;
            extractor.Dispose();
            throw new InvalidDataException(
                $"{checkpoint}: its state was fitted with {provenance}, but the weights store has {found}; point the store at that file");
        }
        return extractor;
    }
}
