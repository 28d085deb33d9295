// PatchCore: Roth, Pemula, Zepeda, Schölkopf, Brox, Gehler, "Towards Total Recall in Industrial Anomaly
// Detection", CVPR 2022. Fit = Sec. 3.1 (locally aware patch features of a frozen ImageNet backbone) and
// Sec. 3.2 (memory bank of every training patch, reduced by the approximate greedy coreset); Predict =
// Sec. 3.3 (nearest-neighbour patch scores, max over the image, upsampled and smoothed map). It follows the
// official code step for step: amazon-science/patchcore-inspection src/patchcore/patchcore.py
// (PatchCore.fit/_fill_memory_bank/_predict/_embed), common.py and sampler.py; see methods/PatchCore/README.md.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// PatchCore as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> embeds every training patch (batches of
/// <see cref="MethodOptions.BatchSize"/> through the <see cref="DataLoader"/>), concatenates them once into the
/// memory bank and keeps its greedy coreset; <see cref="Predict"/> scores each patch by the squared L2
/// distance to its nearest bank entry (<see cref="NearestNeighbourScorer"/>), the image by the largest patch
/// score (or Eq. 7 with <see cref="PatchCoreOptions.Reweight"/>), and the map by bilinear upsampling and a
/// σ = 4 Gaussian (<see cref="PatchScoreMap"/>, the official RescaleSegmentor). The checkpoint holds the bank and where the backbone's
/// weights came from; <see cref="Load"/> rebuilds the backbone from the weights store (or the seed).
/// </summary>
public sealed class PatchCoreMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "patchcore";

    private const string BankKey = "memory_bank";

    /// <summary>Options that change only how a fitted bank is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["num_neighbours", "reweight", "reweight_neighbours", "sigma", "distance_chunk", "batch_size"];

    private readonly PatchCoreOptions _options;
    private readonly PatchEmbedding _embedding;
    private WeightsStore? _weights;
    private FeatureExtractor? _extractor;
    private NearestNeighbourScorer? _scorer;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not
    /// fitted (<see cref="Fit"/> uses its context's store); default: <see cref="WeightsStore.FromEnvironment"/>.</param>
    public PatchCoreMethod(PatchCoreOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
        _embedding = new PatchEmbedding(options.PatchSize, options.PretrainDimension, options.TargetDimension);
    }

    public MethodOptions Options => _options;

    /// <summary>Where the backbone's weights came from (null before <see cref="Fit"/> or <see cref="Load"/>).</summary>
    public WeightsProvenance? Provenance => _extractor?.provenance;

    /// <summary>The one-line form of <see cref="Provenance"/> that every result records.</summary>
    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The coreset-reduced memory bank [M, TargetDimension] (owned by the method), or null before fitting.</summary>
    public Tensor? MemoryBank => _scorer?.MemoryBank;

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("PatchCore needs at least one training image", nameof(train));
        var cancellation = context.Cancellation;
        cancellation.ThrowIfCancellationRequested();
        Reset();
        // Official bin/run_patchcore.py: fix_seeds(seed) before anything is built.
        torch.manual_seed(context.Seed);
        _weights = context.Weights;
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            _extractor = FeatureExtractor.Create(context.Weights, _options.Backbone, _options.Layers, source);
            _extractor.to(context.Device);
            using var features = TrainingPatches.Extract(train, _options.Preprocessing, _options.BatchSize, images => Embed(images).Vectors, context);

            var sampler = new ApproximateGreedyCoresetSampler(_options.CoresetRatio, _options.CoresetStarts, _options.ProjectionDimension);
            using var indices = sampler.SampleIndices(features, cancellation, (k, total) => context.Log.Progress("coreset", k, total));
            _scorer = new NearestNeighbourScorer(features.index_select(0, indices), _options.DistanceChunk);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps[0]: the patch scores [B, h, w] on the feature grid; Scores[0]: the image scores [B].</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _scorer is null) throw new InvalidOperationException("PatchCore has no memory bank yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var batch = images.size(0);
        using var embeddings = Embed(images);
        var (squared, nearest) = _scorer.Search(embeddings.Vectors, _options.NumNeighbours);
        // Official NearestNeighbourScorer.predict: the mean over the k squared distances. The official runs always
        // had k = 1 (their --anomaly_scorer_num_nn never reaches PatchCore.load; see PatchCoreOptions.NumNeighbours).
        var patchScores = squared.mean(1).view(batch, embeddings.Height, embeddings.Width);
        Tensor imageScores;
        if (_options.Reweight)
        {
            var patches = embeddings.Vectors.view(batch, embeddings.PatchesPerImage, -1);
            var nearestSquared = squared.narrow(1, 0, 1).reshape(batch, embeddings.PatchesPerImage);
            var nearestIndex = nearest.narrow(1, 0, 1).reshape(batch, embeddings.PatchesPerImage);
            imageScores = _scorer.ReweightedImageScores(patches, nearestSquared, nearestIndex, _options.ReweightNeighbours);
        }
        else
        {
            // Official PatchMaker.score: the largest patch score of each image.
            imageScores = patchScores.amax([1, 2]);
        }
        return new RawPrediction(images.size(2), images.size(3), [patchScores], [imageScores]);
    }

    /// <summary>Official RescaleSegmentor: the patch scores upsampled to the input and smoothed; the image scores as they are.</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var maps = PatchScoreMap.Upsample(raw.Maps[0], raw.Height, raw.Width, _options.Sigma);
        return new Prediction(maps, raw.Scores[0].clone());
    }

    /// <summary>Patch vectors of a normalised batch [B,3,S,S] (official <c>_embed</c>).</summary>
    private PatchEmbeddings Embed(Tensor images)
    {
        using var maps = _extractor!.call(images);
        return _embedding.Embed(_options.Layers.Select(layer => maps[layer]).ToArray());
    }

    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _scorer is null) throw new InvalidOperationException("PatchCore has nothing to save yet: call Fit first");
        using var state = new StateDict();
        using (var cpu = _scorer.MemoryBank.to(Device.CPU)) state.Add(BankKey, cpu.contiguous());
        MethodCheckpoint.SetWeights(state, _extractor.provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions, state =>
        {
            if (!state.TryGetValue(BankKey, out var bank))
                throw new InvalidDataException($"{path}: a PatchCore checkpoint without '{BankKey}'; it is incomplete");
            if (bank.dim() != 2 || bank.size(0) == 0 || bank.size(1) != _options.TargetDimension)
                throw new InvalidDataException($"{path}: '{BankKey}' is [{string.Join(", ", bank.shape)}], expected [M, {_options.TargetDimension}]");
            return (bank, provenance: MethodCheckpoint.Weights(path, state));
        }, Reset, (_, found) =>
        {
            var store = _weights ?? WeightsStore.FromEnvironment();
            _extractor = FeatureExtractor.Restore(store, _options.Backbone, _options.Layers, found.provenance, path);
            _scorer = new NearestNeighbourScorer(found.bank.clone(), _options.DistanceChunk);
        });
    }

    /// <summary>Moves the backbone and the bank to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var bank = _scorer!.MemoryBank.device;
        if (bank.Type != device.Type || (device.Index >= 0 && bank.Index != device.Index))
        {
            _extractor!.to(device);
            _scorer.To(device);
        }
    }

    private void Reset()
    {
        _extractor?.Dispose();
        _extractor = null;
        _scorer?.Dispose();
        _scorer = null;
    }

    /// <summary>The registry's description of PatchCore: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "PatchCore",
        "Memory bank of locally aware WRN-50-2 patch features, greedy-coreset reduced; nearest-neighbour patch distances (Roth et al., CVPR 2022; official code).",
        typeof(PatchCoreOptions),
        PatchCoreOptions.Defaults,
        options => new PatchCoreMethod((PatchCoreOptions)options),
        SupportsUnified: true);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
