// ReConPatch: Hyun, Kim, Jeon, Kim, Bae, Kang, "ReConPatch: Contrastive Patch Representation Learning for
// Industrial Anomaly Detection", WACV 2024 (arXiv 2305.16713). Fit = §3.1 (PatchCore's patch features of a
// frozen backbone), §3.2–3.3 (f, g trained by the relaxed contrastive loss with pseudo-labels of the EMA
// similarity network; ReConPatchTrainer) and §3.4 (memory bank of f(p), greedy coreset); Predict = §3.4
// (nearest-neighbour distance in f-space, image score = max, bilinear upsampling and σ = 4 Gaussian).
// No official code exists; see methods/ReConPatch/README.md for every choice the paper does not state.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// ReConPatch as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> embeds every training patch as PatchCore does
/// (<see cref="PatchEmbedding"/>), trains f, g on them (<see cref="ReConPatchTrainer"/>), keeps the greedy coreset
/// of f(p) as the memory bank; <see cref="Predict"/> scores each patch by the Euclidean distance of f(p) to its
/// nearest bank entry. The checkpoint holds the bank, f's weights and where the backbone's weights came from.
/// </summary>
public sealed class ReConPatchMethod : IAnomalyMethod
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "reconpatch";

    private const string BankKey = "memory_bank";
    private const string WeightKey = "representation.weight";
    private const string BiasKey = "representation.bias";

    /// <summary>Options that change only how a fitted model is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma", "distance_chunk", "batch_size"];

    private readonly ReConPatchOptions _options;
    private readonly PatchEmbedding _embedding;
    private WeightsStore? _weights;
    private FeatureExtractor? _extractor;
    private Linear? _representation;
    private NearestNeighbourScorer? _scorer;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not fitted.</param>
    public ReConPatchMethod(ReConPatchOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
        _embedding = new PatchEmbedding(options.PatchSize, options.PretrainDimension, options.FeatureDimension);
    }

    public MethodOptions Options => _options;

    /// <summary>Where the backbone's weights came from (null before <see cref="Fit"/> or <see cref="Load"/>).</summary>
    public WeightsProvenance? Provenance => _extractor?.provenance;

    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The coreset of f(p) [M, RepresentationDimension] (owned by the method), or null before fitting.</summary>
    public Tensor? MemoryBank => _scorer?.MemoryBank;

    /// <summary>Optimisation steps of the last <see cref="Fit"/>.</summary>
    public long TrainingSteps { get; private set; }

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("ReConPatch needs at least one training image", nameof(train));
        var cancellation = context.Cancellation;
        cancellation.ThrowIfCancellationRequested();
        Reset();
        torch.manual_seed(context.Seed);
        _weights = context.Weights;
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            _extractor = FeatureExtractor.Create(context.Weights, _options.Backbone, _options.Layers, source);
            _extractor.to(context.Device);
            using var features = TrainingPatches.Extract(train, _options.Preprocessing, _options.BatchSize, images => Embed(images).Vectors, context);

            using var similarity = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(context.Device);
            using var target = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(context.Device);
            TrainingSteps = ReConPatchTrainer.Train(features, target, similarity, _options, context.Log, cancellation);

            // Only f is needed from here on; it is kept as a copy that takes no gradient.
            _representation = CopyRepresentation(target.Representation.weight, target.Representation.bias!, context.Device);
            using var representations = Represent(features);
            var sampler = new ApproximateGreedyCoresetSampler(_options.CoresetRatio, _options.CoresetStarts, _options.CoresetProjectionDimension);
            using var indices = sampler.SampleIndices(representations, cancellation, (k, total) => context.Log.Progress("coreset", k, total));
            _scorer = new NearestNeighbourScorer(representations.index_select(0, indices), _options.DistanceChunk);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    public Prediction Predict(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _scorer is null || _representation is null) throw new InvalidOperationException("ReConPatch has no memory bank yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var batch = images.size(0);
        using var embeddings = Embed(images);
        var represented = _representation.call(embeddings.Vectors);
        var (squared, _) = _scorer.Search(represented, 1);
        // §3.4: s = min_r ‖f(p) − r‖₂, the Euclidean (not squared) distance.
        var patchScores = squared.sqrt().view(batch, embeddings.Height, embeddings.Width);
        var imageScores = patchScores.amax([1, 2]);
        var maps = RescaleSegmentor.ConvertToSegmentation(patchScores, images.size(2), images.size(3), _options.Sigma);
        return new Prediction(maps, imageScores);
    }

    private PatchEmbeddings Embed(Tensor images)
    {
        using var maps = _extractor!.call(images);
        return _embedding.Embed(_options.Layers.Select(layer => maps[layer]).ToArray());
    }

    /// <summary>f(p) of every row, in blocks so that no large intermediate is held twice.</summary>
    private Tensor Represent(Tensor features)
    {
        using var noGrad = torch.no_grad();
        var parts = new List<Tensor>();
        try
        {
            const long block = 65536;
            for (long start = 0; start < features.size(0); start += block)
            {
                using var rows = features.narrow(0, start, Math.Min(block, features.size(0) - start));
                parts.Add(_representation!.call(rows));
            }
            return torch.cat(parts.ToArray());
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    private Linear CopyRepresentation(Tensor weight, Tensor bias, Device device)
    {
        var linear = new Linear(weight.size(1), weight.size(0)).to(device);
        using var noGrad = torch.no_grad();
        linear.weight.copy_(weight);
        linear.bias!.copy_(bias);
        linear.weight.requires_grad = false;
        linear.bias.requires_grad = false;
        return linear;
    }

    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _scorer is null || _representation is null) throw new InvalidOperationException("ReConPatch has nothing to save yet: call Fit first");
        using var state = new StateDict();
        using (var cpu = _scorer.MemoryBank.to(Device.CPU)) state.Add(BankKey, cpu.contiguous());
        using (var cpu = _representation.weight.to(Device.CPU)) state.Add(WeightKey, cpu.contiguous());
        using (var cpu = _representation.bias!.to(Device.CPU)) state.Add(BiasKey, cpu.contiguous());
        MethodCheckpoint.SetWeights(state, _extractor.provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var state = MethodCheckpoint.Load(path, Key);
        MethodCheckpoint.CheckOptions(path, state, _options, s_scoringOnlyOptions);
        var bank = Require(path, state, BankKey, [-1, _options.RepresentationDimension]);
        var weight = Require(path, state, WeightKey, [_options.RepresentationDimension, _options.FeatureDimension]);
        var bias = Require(path, state, BiasKey, [_options.RepresentationDimension]);
        var provenance = MethodCheckpoint.Weights(path, state);

        Reset();
        try
        {
            var store = _weights ?? WeightsStore.FromEnvironment();
            _extractor = FeatureExtractor.Restore(store, _options.Backbone, _options.Layers, provenance, path);
            _representation = CopyRepresentation(weight, bias, Device.CPU);
            _scorer = new NearestNeighbourScorer(bank.clone(), _options.DistanceChunk);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>A tensor of the checkpoint with the expected shape (−1: any positive size).</summary>
    private static Tensor Require(string path, StateDict state, string key, long[] shape)
    {
        if (!state.TryGetValue(key, out var tensor))
            throw new InvalidDataException($"{path}: a ReConPatch checkpoint without '{key}'; it is incomplete");
        if (tensor.dim() != shape.Length || tensor.shape.Zip(shape).Any(p => p.Second >= 0 ? p.First != p.Second : p.First < 1))
            throw new InvalidDataException($"{path}: '{key}' is [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", shape.Select(s => s < 0 ? "M" : s.ToString()))}]");
        return tensor;
    }

    private void EnsureOn(Device device)
    {
        var bank = _scorer!.MemoryBank.device;
        if (bank.Type != device.Type || (device.Index >= 0 && bank.Index != device.Index))
        {
            _extractor!.to(device);
            _representation!.to(device);
            _scorer.To(device);
        }
    }

    private void Reset()
    {
        _extractor?.Dispose();
        _extractor = null;
        _representation?.Dispose();
        _representation = null;
        _scorer?.Dispose();
        _scorer = null;
    }

    /// <summary>The registry's description of ReConPatch.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "ReConPatch",
        "PatchCore's patch features through a linear layer trained by a relaxed contrastive loss with EMA pseudo-labels; coreset memory bank of the learnt features (Hyun et al., WACV 2024; no official code).",
        typeof(ReConPatchOptions),
        ReConPatchOptions.Defaults,
        options => new ReConPatchMethod((ReConPatchOptions)options),
        SupportsUnified: true);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
