// ReContrast: Guo, Lu, Jia, Zhang, Li, "ReContrast: Domain-Specific Anomaly Detection via Contrastive Reconstruction",
// NeurIPS 2023. Fit = §3.2–3.3 (trainable encoder + frozen copy, shared OCBE and decoder, two-view cross
// reconstruction, global cosine loss with hard-normal mining, two AdamW optimisers); Predict = §3.4 (sum of the six
// per-level 1 − cos maps, Gaussian σ = 4, max). It follows the official code: guojiajeremy/ReContrast
// models/recontrast.py, utils.py (global_cosine_hm, cal_anomaly_map, evaluation), recontrast_mvtec.py and siblings
// (training loop) and recontrast_*_multiclass.py (unified variant); see methods/ReContrast/README.md and
// shared/research/methods-2.md §1.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.ReverseDistillation;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.ReContrast;

/// <summary>
/// ReContrast as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> trains for T iterations (cycling over shuffled
/// epochs); the model after the last iteration is kept, as the official scripts report their last evaluation.
/// </summary>
public sealed class ReContrastMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "recontrast";

    private const string EncoderPrefix = "encoder.";
    private const string BottleneckPrefix = "bottleneck.";
    private const string DecoderPrefix = "decoder.";
    private const string ImageScoreKey = "recontrast.image_score";

    /// <summary>Options that change only how a fitted model is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma", "image_score", "batch_size"];

    private readonly ReContrastOptions _options;
    private WeightsStore? _weights;
    private ReContrastNetwork? _network;
    private ImageScore _imageScore = ImageScore.Max;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not fitted.</param>
    public ReContrastMethod(ReContrastOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
    }

    public MethodOptions Options => _options;

    public WeightsProvenance? Provenance => _network?.encoder_freeze.provenance;

    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The network (both encoders, bottleneck, decoder), or null before fitting.</summary>
    public ReContrastNetwork? Network => _network;

    /// <summary>The image score the last fit resolved (the option, or the official one for the category).</summary>
    public ImageScore ResolvedImageScore => _options.ImageScore ?? _imageScore;

    /// <summary>The loss of every iteration of the last <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> IterationLosses { get; private set; } = [];

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("ReContrast needs at least one training image", nameof(train));
        context.Cancellation.ThrowIfCancellationRequested();
        Reset();
        _weights = context.Weights;
        var categories = train.Select(s => s.Category).Distinct(StringComparer.Ordinal).ToList();
        var category = categories[0];
        var iterations = _options.Iterations ?? OfficialSettings.Iterations(category, _options.MultiClass);
        var bnTrain = _options.EncoderBatchNorm switch
        {
            EncoderBatchNorm.Train => true,
            EncoderBatchNorm.Eval => false,
            _ => categories.Count == 1 && OfficialSettings.EncoderBatchNormTrains(category, _options.MultiClass),
        };
        _imageScore = _options.MultiClass ? ImageScore.TopPercentMean : OfficialSettings.ImageScore(category);
        // Official scripts: setup_seed(111) per class (multi-class: seed 1); the sweep's seed wins here.
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            _network = Build(context.Weights, source, context.Seed);
            _network.to(context.Device);
            _network.encoder_bn_train = bnTrain;
            // Official: shuffle, drop_last False per class, True multi-class; no augmentation.
            var loaderOptions = new LoaderOptions(BatchSize: _options.BatchSize, Shuffle: true, Seed: unchecked((int)context.Seed),
                DropLast: _options.MultiClass && train.Count >= _options.BatchSize, Cache: true);
            using var loader = new DataLoader(train, _options.Preprocessing, context.Device, loaderOptions);
            Train(loader, iterations, context);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>The two encoders from the same weights (official <c>copy.deepcopy(encoder)</c>), then the seeded OCBE and decoder.</summary>
    private ReContrastNetwork Build(WeightsStore store, WeightsSource source, ulong seed)
    {
        var trainable = new FeatureExtractor(store.Create(_options.Backbone, source), ReverseDistillationArchitecture.Levels, trainable: true);
        FeatureExtractor? frozen = null;
        try
        {
            frozen = FeatureExtractor.Create(store, _options.Backbone, ReverseDistillationArchitecture.Levels, source);
            // The OCBE and decoder initialisation draws from the seeded global generator.
            torch.manual_seed(seed);
            return new ReContrastNetwork(_options.Backbone, trainable, frozen, _options.MultiClass ? DecoderActivation.GELU : DecoderActivation.ReLU);
        }
        catch
        {
            trainable.Dispose();
            frozen?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Per class (recontrast_mvtec.py): AdamW(decoder + bottleneck, lr 2e-3, wd 1e-5) and AdamW(encoder, lr 1e-5, wd 1e-5),
    /// stepped together. Multi-class: one AdamW with both groups, eps 1e-10, amsgrad, MultiStepLR(0.8·T, γ 0.2).
    /// </summary>
    private void Train(DataLoader loader, int iterations, FitContext context)
    {
        var network = _network!;
        var schedule = new HardMiningSchedule(_options.AlphaStart, _options.AlphaFinal, _options.AlphaRamp);
        var optimizers = new List<Optimizer>();
        LRScheduler? scheduler = null;
        try
        {
            if (_options.MultiClass)
            {
                var groups = new[] { new ParamGroup(network.reconstruction_parameters(), _options.DecoderLearningRate), new ParamGroup(network.encoder.parameters(), _options.EncoderLearningRate) };
                var adamw = new AdamW(groups, new AdamWOptions(lr: _options.DecoderLearningRate, eps: 1e-10, weight_decay: _options.WeightDecay, amsgrad: true));
                optimizers.Add(adamw);
                scheduler = new MultiStepLR(adamw, [(int)(iterations * 0.8)], gamma: 0.2);
            }
            else
            {
                optimizers.Add(new AdamW(network.reconstruction_parameters(), lr: _options.DecoderLearningRate, weight_decay: _options.WeightDecay));
                optimizers.Add(new AdamW(network.encoder.parameters(), lr: _options.EncoderLearningRate, weight_decay: _options.WeightDecay));
            }
            network.train();
            var losses = new List<double>(iterations);
            var it = 0;
            context.Log.Progress("iterations", 0, iterations);
            while (it < iterations)
            {
                foreach (var batch in loader)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    // One scope per step: every tensor of the step goes with it, so memory stays flat.
                    using var scope = torch.NewDisposeScope();
                    var alpha = schedule.Alpha(it, iterations);
                    var loss = Loss(batch.Images, alpha);
                    foreach (var o in optimizers) o.zero_grad();
                    loss.backward();
                    foreach (var o in optimizers) o.step();
                    var lr = optimizers[0].param_groups[0].lr;
                    scheduler?.step();
                    var value = LossValue.Of(loss);
                    losses.Add(value);
                    it++;
                    context.Log.Step(it, new Dictionary<string, double> { ["cosine"] = value, ["alpha"] = alpha }, lr);
                    context.Log.Progress("iterations", it, iterations);
                    if (it == iterations) break;
                }
            }
            IterationLosses = losses;
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
            network.eval();
        }
    }

    /// <summary>
    /// The training loss of a batch at α (official): ½·global_cosine_hm(en[0:3], de[0:3]) + ½·global_cosine_hm(en[3:6], de[3:6]),
    /// targets detached, easy points' gradient scaled by <see cref="ReContrastOptions.Factor"/>.
    /// </summary>
    public Tensor Loss(Tensor images, double alpha)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null) throw new InvalidOperationException("ReContrast is not built yet: call Fit or Load first");
        using var scope = torch.NewDisposeScope();
        var (targets, predictions) = _network.call(images);
        var frozenTarget = CosineLoss.GlobalHardMined(targets.Take(3).ToList(), predictions.Take(3).ToList(), alpha, _options.Factor);
        var trainableTarget = CosineLoss.GlobalHardMined(targets.Skip(3).ToList(), predictions.Skip(3).ToList(), alpha, _options.Factor);
        return (frozenTarget * 0.5 + trainableTarget * 0.5).MoveToOuterDisposeScope();
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps: 1 − cos of each of the six encoder/decoder pairs at its level's resolution, [B, h_l, w_l].</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null) throw new InvalidOperationException("ReContrast is not fitted yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        _network.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (targets, predictions) = _network.call(images);
        return new RawPrediction(images.size(2), images.size(3), AnomalyMap.LevelDistances(targets, predictions));
    }

    /// <summary>§3.4: the six maps upsampled and summed (multi-class: averaged), smoothed, reduced to the image score.</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var fusion = _options.MultiClass ? MapFusion.Mean : MapFusion.Sum;
        var smoothing = _options.MultiClass ? MapSmoothing.Kernel5 : MapSmoothing.Scipy;
        var maps = AnomalyMap.Fuse(raw.Maps, raw.Height, raw.Width, fusion);
        maps = AnomalyMap.Smooth(maps, smoothing, _options.Sigma);
        return new Prediction(maps, AnomalyMap.Scores(maps, ResolvedImageScore));
    }

    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null) throw new InvalidOperationException("ReContrast has nothing to save yet: call Fit first");
        using var state = new StateDict();
        // The frozen encoder is the pretrained (or seeded) network itself: the provenance restores it.
        MethodCheckpoint.AddModule(state, EncoderPrefix, _network.encoder);
        MethodCheckpoint.AddModule(state, BottleneckPrefix, _network.bottleneck);
        MethodCheckpoint.AddModule(state, DecoderPrefix, _network.decoder);
        state.Metadata[ImageScoreKey] = _imageScore.ToString();
        MethodCheckpoint.SetWeights(state, _network.encoder_freeze.provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions, state =>
        {
            var provenance = MethodCheckpoint.Weights(path, state);
            if (!state.Metadata.TryGetValue(ImageScoreKey, out var score) || !Enum.TryParse<ImageScore>(score, out var imageScore))
                throw new InvalidDataException($"{path}: the checkpoint does not record its image score ({ImageScoreKey})");
            return (provenance, imageScore);
        }, Reset, (state, found) =>
        {
            var store = _weights ?? WeightsStore.FromEnvironment();
            var frozen = FeatureExtractor.Restore(store, _options.Backbone, ReverseDistillationArchitecture.Levels, found.provenance, path);
            FeatureExtractor trainable;
            try
            {
                // Its weights come from the checkpoint.
                trainable = new FeatureExtractor(WeightsStore.Architecture(_options.Backbone, found.provenance), ReverseDistillationArchitecture.Levels, trainable: true);
            }
            catch
            {
                frozen.Dispose();
                throw;
            }
            _network = new ReContrastNetwork(_options.Backbone, trainable, frozen, _options.MultiClass ? DecoderActivation.GELU : DecoderActivation.ReLU);
            MethodCheckpoint.LoadModule(path, state, EncoderPrefix, _network.encoder);
            MethodCheckpoint.LoadModule(path, state, BottleneckPrefix, _network.bottleneck);
            MethodCheckpoint.LoadModule(path, state, DecoderPrefix, _network.decoder);
            _imageScore = found.imageScore;
            _network.eval();
        });
    }

    /// <summary>Moves the network to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var current = _network!.decoder.parameters().First().device;
        if (current.Type != device.Type || (device.Index >= 0 && current.Index != device.Index)) _network.to(device);
    }

    private void Reset()
    {
        _network?.Dispose();
        _network = null;
    }

    /// <summary>The registry's description of ReContrast: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "ReContrast",
        "Contrastive reconstruction: a trainable WRN-50-2 encoder and its frozen copy, a shared OCBE and two-headed de-ResNet decoder, two-view cross reconstruction with a hard-mined global cosine loss (Guo et al., NeurIPS 2023; official code).",
        typeof(ReContrastOptions),
        ReContrastOptions.Defaults,
        options => new ReContrastMethod((ReContrastOptions)options),
        SupportsUnified: true);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
