// FYD: Zheng, Wang, Deng, Bao, Zhao, Wu, "Focus Your Distribution: Coarse-to-Fine Non-Contrastive Learning for Anomaly
// Detection and Localization", ICME 2022 (arXiv 2110.04538). No code is public and only the abstract and secondary
// descriptions could be read (shared/research/methods-1.md §3): this is a re-implementation from that description.
// Fit = coarse alignment (ICA, FCA) and fine alignment (non-contrastive loss across the batch), trained together
// (total = fine + λ·L_ICA), then PaDiM's per-location Gaussian over the aligned training features; Predict = the
// Mahalanobis distance per location, mapped back to the input, upsampled and smoothed (σ = 4), image score = max.
// Where the description is silent the harness follows RegAD (MediaBrain-SJTU/RegAD train.py, methods-1.md §3.4);
// methods/Fyd/README.md lists which parts come from where.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Cfa;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// FYD as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> trains the alignment network with SGD and a cosine
/// schedule for <see cref="FydOptions.Epochs"/> epochs or <see cref="FydOptions.Steps"/> steps (the last epoch is the model), then fits the Gaussian;
/// <see cref="Predict"/> scores a batch.
/// </summary>
public sealed class FydMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "fyd";

    private const string NetworkPrefix = "network.";
    private const string MeanKey = "gaussian.mean";
    private const string PrecisionKey = "gaussian.precision";
    private const string ChannelsKey = "gaussian.channels";

    /// <summary>Options that change only how a fitted model is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma"];

    private readonly FydOptions _options;
    private FydNetwork? _network;
    private LocationGaussian? _gaussian;
    private bool _disposed;

    public FydMethod(FydOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public MethodOptions Options => _options;

    public WeightsProvenance? Provenance => _network?.Backbone.provenance;

    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The trained network, or null before fitting.</summary>
    public FydNetwork? Network => _network;

    /// <summary>The fitted Gaussian, or null before fitting.</summary>
    public LocationGaussian? Gaussian => _gaussian;

    /// <summary>The mean total loss of each finished epoch of the last <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> EpochLosses { get; private set; } = [];

    /// <summary>Whether Fit optimises anything: a loss is on and there are epochs.</summary>
    private bool Trains => (_options.Epochs > 0 || _options.Steps > 0) && (_options.ImageAlignment || _options.FineAlignment);

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count < 2) throw new ArgumentException($"FYD needs at least 2 training images (its Gaussian and its losses compare images), got {train.Count}", nameof(train));
        context.Cancellation.ThrowIfCancellationRequested();
        Reset();
        torch.manual_seed(context.Seed);
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            var backbone = context.Weights.Create(_options.Backbone, source);
            // The transformers and heads are drawn after the backbone, from the run's seed.
            torch.manual_seed(context.Seed);
            _network = new FydNetwork(backbone, _options).to(context.Device);
            if (Trains)
            {
                // [harness, RegAD] training batches: shuffled, drop_last (a last batch of 1 has no pair to compare).
                var loaderOptions = new LoaderOptions(BatchSize: _options.BatchSize, Shuffle: true, Seed: unchecked((int)context.Seed),
                    DropLast: train.Count >= _options.BatchSize, Cache: true);
                using var loader = new DataLoader(train, _options.Preprocessing, context.Device, loaderOptions);
                EpochLosses = Train(loader, context);
            }
            else
            {
                EpochLosses = [];
            }
            // PaDiM (and RegAD's test()) fit the Gaussian on every training image once, in order (a loader without
            // shuffle or drop_last): the training loader drops n mod batch random images each epoch.
            using var all = new DataLoader(train, _options.Preprocessing, context.Device, new LoaderOptions(BatchSize: _options.BatchSize));
            _gaussian = FitGaussian(all, context);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>SGD (momentum) with a per-epoch cosine schedule over every trainable parameter; total = fine + λ·L_ICA.</summary>
    private List<double> Train(DataLoader loader, FitContext context)
    {
        var network = _network!;
        var parameters = network.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new SGD(parameters, lr: _options.LearningRate, momentum: _options.Momentum);
        var epochs = _options.ResolvedEpochs(loader.BatchCount);
        var schedule = new CosineAnnealingLR(optimizer, epochs);
        var epochLosses = new List<double>();
        var step = 0L;
        network.train();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var phase = $"epoch {epoch}/{epochs}";
            context.Log.Progress(phase, 0, loader.BatchCount);
            var learningRate = schedule.get_last_lr()[0];
            double sum = 0;
            var batches = 0;
            foreach (var batch in loader)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                if (batch.Images.size(0) < 2) continue;
                // One scope per step: every tensor of the step goes with it, so memory stays flat.
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var terms = Losses(batch.Images);
                terms.Total.backward();
                optimizer.step();
                var logged = new Dictionary<string, double> { ["total"] = LossValue.Of(terms.Total) };
                if (terms.Fine is not null) logged["fine"] = LossValue.Of(terms.Fine);
                if (terms.ImageAlignment is not null) logged["ica"] = LossValue.Of(terms.ImageAlignment);
                context.Log.Step(++step, logged, learningRate);
                sum += logged["total"];
                batches++;
                context.Log.Progress(phase, batches, loader.BatchCount);
            }
            schedule.step();
            epochLosses.Add(batches == 0 ? double.NaN : sum / batches);
        }
        network.eval();
        return epochLosses;
    }

    /// <summary>The loss terms of one batch; the caller's dispose scope owns them.</summary>
    public FydLoss Losses(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var network = _network ?? throw new InvalidOperationException("FYD has no network yet: call Fit or Load first");
        var features = network.call(images);
        Tensor? fine = null;
        Tensor? ica = null;
        if (network.Projector is not null)
        {
            var (z, p) = network.Projector.call(features.Map(_options.FineLayer));
            fine = FineAlignmentLoss.Compute(p, z);
        }
        if (network.ImageAlignment is not null)
        {
            var h = ImageAlignmentLoss.Representation(features.AlignedImage, _options.ImageAlignmentPool);
            ica = ImageAlignmentLoss.Compute(h);
        }
        var total = (fine, ica) switch
        {
            ({ } f, { } i) => f + i * _options.Lambda,
            ({ } f, null) => f.alias(),
            (null, { } i) => i * _options.Lambda,
            _ => throw new InvalidOperationException("no FYD loss is switched on (image_alignment and fine_alignment are both off)"),
        };
        return new FydLoss(total, fine, ica);
    }

    /// <summary>PaDiM's fit over the aligned training embeddings (eval mode, no gradient), accumulated batch by batch.</summary>
    private LocationGaussian FitGaussian(DataLoader loader, FitContext context)
    {
        var total = _network!.Channels.Sum();
        var subset = LocationGaussian.ChannelSubset(total, _options.ResolvedGaussianChannels(), context.Seed);
        using var channels = torch.from_array(subset, [subset.Length], context.Device);
        using var accumulator = new LocationGaussian.Accumulator();
        using var noGrad = torch.no_grad();
        _network.eval();
        var done = 0L;
        context.Log.Progress("gaussian", 0, loader.BatchCount);
        foreach (var batch in loader)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            accumulator.Add(Embed(batch.Images, channels));
            context.Log.Progress("gaussian", ++done, loader.BatchCount);
        }
        return accumulator.ToGaussian(channels, _options.CovarianceEpsilon);
    }

    /// <summary>The aligned embedding of a batch on the Gaussian's channel subset [B, d, h, w].</summary>
    private Tensor Embed(Tensor images, Tensor channels)
    {
        using var features = _network!.call(images);
        using var embedding = features.Embedding(includeImage: _options.ScoringFrame == "input");
        return embedding.index_select(1, channels);
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps[0]: the Mahalanobis distances [B, h, w] on the feature grid, in the input's frame.</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null || _gaussian is null) throw new InvalidOperationException("FYD is not fitted yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _network.eval();
        var features = _network.call(images);
        var embedding = features.Embedding(includeImage: _options.ScoringFrame == "input").index_select(1, _gaussian.Channels);
        var distances = _gaussian.Mahalanobis(embedding);                                       // [B, h, w]
        if (_options.ScoringFrame == "aligned" && _network.ImageAlignment is not null)
        {
            // The Gaussian lives in the image-aligned frame: map the scores back to the input (θ₀⁻¹).
            distances = AffineTransform.Unwarp(distances.unsqueeze(1), features.ImageTheta).squeeze(1);
        }
        return new RawPrediction(images.size(2), images.size(3), [distances]);
    }

    /// <summary>PaDiM's map: the distances upsampled to the input and smoothed (σ = 4); the image score is its maximum.</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return PatchScorer.Predict(raw.Maps[0], raw.Height, raw.Width, _options.Sigma);
    }


    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null || _gaussian is null) throw new InvalidOperationException("FYD has nothing to save yet: call Fit first");
        using var state = new StateDict();
        MethodCheckpoint.AddModule(state, NetworkPrefix, _network);
        foreach (var (key, tensor) in new[] { (MeanKey, _gaussian.Mean), (PrecisionKey, _gaussian.Precision), (ChannelsKey, _gaussian.Channels) })
        {
            using var cpu = tensor.to(Device.CPU);
            state.Add(key, cpu.contiguous());
        }
        MethodCheckpoint.SetWeights(state, Provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions, state =>
        {
            foreach (var key in new[] { MeanKey, PrecisionKey, ChannelsKey })
            {
                if (!state.ContainsKey(key)) throw new InvalidDataException($"{path}: an FYD checkpoint without '{key}'; it is incomplete");
            }
            return MethodCheckpoint.Weights(path, state);
        }, Reset, (state, provenance) =>
        {
            // The checkpoint holds every weight of the (fine-tuned) backbone: build the architecture without loading a file.
            var backbone = WeightsStore.Architecture(_options.Backbone, provenance);
            _network = new FydNetwork(backbone, _options);
            MethodCheckpoint.LoadModule(path, state, NetworkPrefix, _network);
            _network.eval();
            _gaussian = new LocationGaussian(state[MeanKey].clone(), state[PrecisionKey].clone(), state[ChannelsKey].clone());
        });
    }

    /// <summary>Moves the model to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var current = _gaussian!.Mean.device;
        if (current.Type == device.Type && (device.Index < 0 || current.Index == device.Index)) return;
        _network!.to(device);
        var moved = new LocationGaussian(_gaussian.Mean.to(device), _gaussian.Precision.to(device), _gaussian.Channels.to(device));
        _gaussian.Dispose();
        _gaussian = moved;
    }

    private void Reset()
    {
        _network?.Dispose();
        _network = null;
        _gaussian?.Dispose();
        _gaussian = null;
    }

    /// <summary>The registry's description of FYD: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "FYD (Focus Your Distribution)",
        "Coarse-to-fine alignment: spatial transformers on the image (L_ICA) and after every ResNet stage, a dense non-contrastive loss across the batch, PaDiM's per-location Gaussian (Zheng et al., ICME 2022; re-implemented from the paper's description, no official code).",
        typeof(FydOptions),
        FydOptions.Defaults,
        options => new FydMethod((FydOptions)options),
        SupportsUnified: false);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
