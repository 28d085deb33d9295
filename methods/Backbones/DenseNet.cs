// DenseNet-BC (Huang, Liu, van der Maaten and Weinberger, "Densely Connected Convolutional
// Networks", CVPR 2017), ported from torchvision models/densenet.py (DenseNet, densenet201,
// _load_state_dict) so that torchvision's state dicts load unchanged. PatchCore's and ReConPatch's
// ensembles tap DenseNet-201 at features.denseblock2 and features.denseblock3.

using System.Text.RegularExpressions;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>DenseNet</c>: <c>features</c> (conv0 7x7/2, norm0, relu0, pool0 3x3/2, then
/// denseblock1, transition1, ..., denseblockN, norm5) and <c>classifier</c>. Stages for
/// <see cref="Backbone.forward_stages"/>: <c>features.denseblock1</c> (stride 4) ...
/// <c>features.denseblock4</c> (stride 32), each block's raw output before its transition.
/// </summary>
public sealed partial class DenseNet : Backbone
{
    private readonly List<string> _stages = [];
    private readonly List<long> _channels = [];
    private Linear? _classifier;

    /// <param name="config">the architecture.</param>
    /// <param name="init_weights">
    /// apply torchvision's initialisation (kaiming_normal_ on convolutions, BatchNorm weight 1 and bias 0,
    /// classifier bias 0); false keeps the layers' default initialisation (cheaper before loading weights).
    /// </param>
    public DenseNet(DenseNetConfig config, bool init_weights = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        features = nn.Sequential(
            ("conv0", nn.Conv2d(3, config.NumInitFeatures, 7, stride: 2, padding: 3, bias: false)),
            ("norm0", nn.BatchNorm2d(config.NumInitFeatures)),
            ("relu0", nn.ReLU(inplace: true)),
            ("pool0", nn.MaxPool2d(3, 2, 1)));
        register_module("features", features);

        long channels = config.NumInitFeatures;
        for (var k = 0; k < config.BlockConfig.Count; k++)
        {
            var block = new DenseBlock(config.BlockConfig[k], channels, config.BnSize, config.GrowthRate, config.DropRate);
            features.register_module($"denseblock{k + 1}", block);
            _stages.Add($"features.denseblock{k + 1}");
            channels = block.out_channels;
            _channels.Add(channels);
            if (k == config.BlockConfig.Count - 1) continue;
            features.register_module($"transition{k + 1}", new Transition(channels, channels / 2));
            channels /= 2;
        }
        features.register_module("norm5", nn.BatchNorm2d(channels));
        num_features = channels;

        if (config.NumClasses is { } classes)
        {
            _classifier = nn.Linear(channels, classes);
            register_module("classifier", _classifier);
        }
        if (init_weights) reset_parameters();
    }

    public DenseNetConfig config { get; }

    /// <summary>torchvision's <c>features</c> Sequential.</summary>
    public Sequential features { get; }

    public Linear? classifier => _classifier;

    /// <summary>Channels after norm5 (the classifier's input).</summary>
    public long num_features { get; }

    public override bool has_classifier => _classifier is not null;

    public override IReadOnlyList<string> stage_names => _stages;

    public override long out_channels(string stage) => _channels[StageIndices([stage])[0]];

    public override int reduction(string stage) => 4 << StageIndices([stage])[0];

    /// <summary>torchvision's initialisation ("Official init from torch repo").</summary>
    public void reset_parameters()
    {
        foreach (var m in modules())
        {
            switch (m)
            {
                case Conv2d c:
                    nn.init.kaiming_normal_(c.weight);
                    break;
                case BatchNorm2d b:
                    nn.init.constant_(b.weight!, 1);
                    nn.init.constant_(b.bias!, 0);
                    break;
                case Linear l when l.bias is { } bias:
                    nn.init.constant_(bias, 0);
                    break;
            }
        }
    }

    /// <summary>Classifier logits: features, relu, global average pool, classifier.</summary>
    public override Tensor forward(Tensor x)
    {
        if (_classifier is null)
            throw new InvalidOperationException("this DenseNet has no classifier (built without NumClasses, or truncated for feature extraction); use forward_stages");
        var h = features.call(x).relu_();
        Tensor pooled;
        using (h) pooled = nn.functional.adaptive_avg_pool2d(h, 1);
        using (pooled)
        using (var flat = pooled.flatten(1))
            return _classifier.call(flat);
    }

    public override FeatureMaps forward_stages(Tensor input, IReadOnlyList<string> stages)
    {
        var indices = StageIndices(stages);
        var deepest = _stages[indices.Max()];
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor? h = null;
        try
        {
            foreach (var (name, child) in features.named_children())
            {
                var layer = (Module<Tensor, Tensor>)child;
                var next = layer.call(h ?? input);
                // An activation nobody asked for is freed as soon as the next layer has read it.
                if (h is not null && !outputs.ContainsValue(h)) h.Dispose();
                h = next;
                var path = "features." + name;
                if (stages.Contains(path)) outputs[path] = h;
                if (path == deepest) break;
            }
            var maps = new FeatureMaps();
            foreach (var stage in stages) maps.Add(stage, outputs[stage]);
            return maps;
        }
        catch
        {
            h?.Dispose();
            foreach (var t in outputs.Values) t.Dispose();
            throw;
        }
    }

    public override void truncate_after(string stage)
    {
        var index = StageIndices([stage])[0];
        var path = _stages[index];
        var after = false;
        foreach (var (name, _) in features.named_children().ToList())
        {
            if (after) features.register_module(name, null);
            if ("features." + name == path) after = true;
        }
        _stages.RemoveRange(index + 1, _stages.Count - index - 1);
        _channels.RemoveRange(index + 1, _channels.Count - index - 1);
        if (_classifier is not null)
        {
            register_module("classifier", null);
            _classifier = null;
        }
    }

    // Checkpoints of torchvision < 0.3 (densenet201-c1103571.pth among them) name the dense layers'
    // modules 'norm.1', 'relu.1', 'conv.1', 'norm.2', ...; torchvision's _load_state_dict renames them.
    [GeneratedRegex(@"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")]
    private static partial Regex LegacyKey();

    /// <summary>torchvision's <c>_load_state_dict</c> renaming: <c>...denselayer1.norm.1.weight</c> → <c>...denselayer1.norm1.weight</c>.</summary>
    public override IReadOnlyDictionary<string, Tensor> remap_checkpoint_keys(IReadOnlyDictionary<string, Tensor> state_dict) =>
        remap_legacy_keys(state_dict);

    /// <inheritdoc cref="remap_checkpoint_keys"/>
    public static IReadOnlyDictionary<string, Tensor> remap_legacy_keys(IReadOnlyDictionary<string, Tensor> state_dict)
    {
        ArgumentNullException.ThrowIfNull(state_dict);
        if (!state_dict.Keys.Any(k => LegacyKey().IsMatch(k))) return state_dict;
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in state_dict)
        {
            var match = LegacyKey().Match(key);
            var name = match.Success ? match.Groups[1].Value + match.Groups[2].Value : key;
            if (!renamed.TryAdd(name, tensor))
                throw new ArgumentException($"the checkpoint holds both '{key}' and its renamed form '{name}'", nameof(state_dict));
        }
        return renamed;
    }

    /// <summary>DenseNet-201: growth 32, blocks (6, 12, 48, 32), 64 initial features.</summary>
    public static DenseNet densenet201(int? num_classes = 1000, bool init_weights = true) =>
        new(new DenseNetConfig { GrowthRate = 32, BlockConfig = [6, 12, 48, 32], NumInitFeatures = 64, NumClasses = num_classes }, init_weights);
}
