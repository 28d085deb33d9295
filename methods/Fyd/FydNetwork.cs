// FYD's network (arXiv 2110.04538; methods-1.md §3.2): image-level coarse alignment (ICA, a spatial transformer on the
// input image), an ImageNet ResNet with feature-level coarse alignment (FCA, one spatial transformer after every
// stage, "no loss of its own"), and the dense projector/predictor of the fine alignment. The stage-by-stage layout
// with a transformer after each of layer1..layer3 and the composed inverses for scoring are RegAD's models/stn.py
// (methods-1.md §3.4).

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// The trainable FYD network. Its modules: <c>image_alignment</c> (ICA, when on), <c>backbone</c> (a ResNet truncated
/// after the deepest of <see cref="FydOptions.Layers"/>), <c>feature_alignment.layerK</c> (FCA, when on) and
/// <c>projector</c> (when fine alignment is on).
/// </summary>
public sealed class FydNetwork : Module<Tensor, FydFeatures>
{
    private readonly FydOptions _options;
    private readonly string[] _stages;
    private readonly Dictionary<string, SpatialTransformer> _featureAlignment = [];

    /// <param name="backbone">a ResNet from the weights store; the network takes ownership.</param>
    public FydNetwork(Backbone backbone, FydOptions options)
    {
        if (backbone is not ResNet resnet)
            throw new ArgumentException($"FYD aligns the stages of a ResNet; backbone '{options.Backbone}' is a {backbone.GetType().Name}: use resnet18 or wide_resnet50_2");
        _options = options;
        var deepest = options.Layers.Max(l => int.Parse(l["layer".Length..], System.Globalization.CultureInfo.InvariantCulture));
        _stages = Enumerable.Range(1, deepest).Select(k => $"layer{k}").ToArray();
        resnet.truncate_after(_stages[^1]);
        Backbone = resnet;
        register_module("backbone", resnet);
        Backbone.requires_grad_(options.TrainBackbone && options.FineAlignment);
        if (options.ImageAlignment)
        {
            ImageAlignment = new SpatialTransformer(3, options.ImageTransform, options.LocalisationPool);
            register_module("image_alignment", ImageAlignment);
        }
        if (options.FeatureAlignment)
        {
            var transformers = new Stages();
            foreach (var stage in _stages)
            {
                var stn = new SpatialTransformer(resnet.out_channels(stage), options.FeatureTransform, options.LocalisationPool);
                _featureAlignment[stage] = stn;
                transformers.register_module(stage, stn);
            }
            register_module("feature_alignment", transformers);
            // Without the fine loss nothing trains FCA ("no loss of its own"): it stays the identity.
            if (!options.FineAlignment) transformers.requires_grad_(false);
        }
        if (options.FineAlignment)
        {
            var channels = resnet.out_channels(options.FineLayer);
            var projection = options.ProjectorDimension > 0 ? options.ProjectorDimension : channels;
            var bottleneck = options.PredictorDimension > 0 ? options.PredictorDimension : projection;
            Projector = new DenseProjector(channels, projection, bottleneck);
            register_module("projector", Projector);
        }
        Channels = options.Layers.Select(resnet.out_channels).ToArray();
    }

    public ResNet Backbone { get; }

    /// <summary>ICA's transformer, or null when image-level alignment is off.</summary>
    public SpatialTransformer? ImageAlignment { get; }

    /// <summary>FCA's transformer after <paramref name="stage"/>, or null when feature-level alignment is off.</summary>
    public SpatialTransformer? FeatureAlignment(string stage) => _featureAlignment.GetValueOrDefault(stage);

    /// <summary>The fine alignment's projector and predictor, or null when it is off.</summary>
    public DenseProjector? Projector { get; }

    /// <summary>Channels of each of <see cref="FydOptions.Layers"/>.</summary>
    public IReadOnlyList<long> Channels { get; }

    /// <summary>A backbone that is not trained keeps its BatchNorm statistics (eval mode) whatever the network's mode.</summary>
    public override void train(bool mode = true)
    {
        base.train(mode);
        if (!(_options.TrainBackbone && _options.FineAlignment)) Backbone.train(false);
    }

    /// <summary>Aligns a normalised batch [B, 3, H, W] at both levels and returns the stages of <see cref="FydOptions.Layers"/>.</summary>
    public override FydFeatures forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var batch = images.size(0);
        var aligned = images.alias();
        var imageTheta = AffineTransform.Identity(batch, images);
        if (ImageAlignment is not null)
        {
            var (output, theta) = ImageAlignment.call(images);
            aligned = output;
            imageTheta = AffineTransform.Homogeneous(theta);
        }
        var composed = AffineTransform.Identity(batch, images);
        var h = Backbone.forward_stem(aligned);
        var maps = new Dictionary<string, (Tensor, Tensor)>(StringComparer.Ordinal);
        for (var k = 0; k < _stages.Length; k++)
        {
            h = Backbone.layer(k)!.call(h);
            if (_featureAlignment.TryGetValue(_stages[k], out var stn))
            {
                var (output, theta) = stn.call(h);
                h = output;
                // Stage k's map shows at p what the previous frame showed at θ_1·…·θ_k·p.
                composed = composed.bmm(AffineTransform.Homogeneous(theta));
            }
            if (_options.Layers.Contains(_stages[k])) maps[_stages[k]] = (h, composed.alias());
        }
        var features = new FydFeatures(aligned, imageTheta, _options.Layers.Select(l => maps[l]).ToArray(), _options.Layers);
        return features.MoveToOuterDisposeScope();
    }

    /// <summary>The container of the per-stage transformers (state-dict prefix <c>feature_alignment.</c>).</summary>
    private sealed class Stages : Module
    {
    }
}
