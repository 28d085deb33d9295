// ReConPatch for one backbone (Hyun et al., WACV 2024): §3.1 PatchCore's patch features of the frozen network,
// §3.2–3.3 f and g trained by the relaxed contrastive loss (ReConPatchTrainer), §3.4 the coreset memory bank of f(p)
// and the nearest-neighbour score. The single model is one of these; the ensemble (§4) is several, each with the
// median/MAD normalisers of its training scores.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// One backbone's fitted ReConPatch: the frozen extractor, PatchCore's embedding, the trained representation f
/// (a copy that takes no gradient) and the coreset of f(p). <see cref="Predict"/> gives the raw maps and scores;
/// <see cref="ImageNormaliser"/> and <see cref="MapNormaliser"/> are set for ensemble members only.
/// </summary>
internal sealed class ReConPatchModel : IDisposable
{
    private const string BankKey = "memory_bank";
    private const string WeightKey = "representation.weight";
    private const string BiasKey = "representation.bias";
    private const string ImageNormaliserKey = "normaliser.image";
    private const string MapNormaliserKey = "normaliser.map";

    private readonly ReConPatchOptions _options;
    private readonly IReadOnlyList<string> _stages;
    private readonly PatchEmbedding _embedding;
    private FeatureExtractor? _extractor;
    private Linear? _representation;
    private NearestNeighbourScorer? _scorer;

    private ReConPatchModel(ReConPatchOptions options, string backbone)
    {
        _options = options;
        Backbone = backbone;
        _stages = Stages(backbone, options.Layers);
        _embedding = new PatchEmbedding(options.PatchSize, options.PretrainDimension, options.FeatureDimension);
    }

    public string Backbone { get; }

    public WeightsProvenance Provenance => _extractor!.provenance!;

    /// <summary>The coreset of f(p) [M, RepresentationDimension].</summary>
    public Tensor MemoryBank => _scorer!.MemoryBank;

    /// <summary>The weight of the trained representation layer f [RepresentationDimension, FeatureDimension] (no gradient).</summary>
    public Tensor RepresentationWeight => _representation!.weight;

    /// <summary>Optimisation steps of the fit.</summary>
    public long TrainingSteps { get; private set; }

    /// <summary>The modified z-score of this member's image scores over the training images (ensemble members only).</summary>
    public MedianAbsoluteDeviationNormaliser? ImageNormaliser { get; private set; }

    /// <summary>The modified z-score of this member's map values over the training images (ensemble members only).</summary>
    public MedianAbsoluteDeviationNormaliser? MapNormaliser { get; private set; }

    /// <summary>
    /// The stage names of the hierarchy levels in <paramref name="layers"/> (<c>layer2</c>, <c>layer3</c>) for
    /// <paramref name="backbone"/>: as named for ResNets; DenseNet's levels are its dense blocks
    /// (<c>features.denseblock2</c>, <c>features.denseblock3</c>), as PatchCore's ensemble taps them.
    /// </summary>
    public static IReadOnlyList<string> Stages(string backbone, IReadOnlyList<string> layers) =>
        backbone.StartsWith("densenet", StringComparison.Ordinal)
            ? layers.Select(l => l.StartsWith("layer", StringComparison.Ordinal) ? "features.denseblock" + l["layer".Length..] : l).ToArray()
            : layers;

    /// <summary>Fits one backbone's model on <paramref name="train"/>; with <paramref name="normalise"/> also the normalisers of its training scores.</summary>
    public static ReConPatchModel Fit(IReadOnlyList<Sample> train, string backbone, ReConPatchOptions options, FitContext context, bool normalise)
    {
        var model = new ReConPatchModel(options, backbone);
        try
        {
            model.FitInPlace(train, context, normalise);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void FitInPlace(IReadOnlyList<Sample> train, FitContext context, bool normalise)
    {
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, Backbone, context.Seed);
        _extractor = FeatureExtractor.Create(context.Weights, Backbone, _stages, source);
        _extractor.to(context.Device);
        using var features = TrainingPatches.Extract(train, _options.Preprocessing, _options.BatchSize, images => Embed(images).Vectors, context);

        using var similarity = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(context.Device);
        using var target = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(context.Device);
        TrainingSteps = ReConPatchTrainer.Train(features, target, similarity, _options, context.Log, context.Cancellation);

        // Only f is needed from here on; it is kept as a copy that takes no gradient.
        _representation = CopyRepresentation(target.Representation.weight, target.Representation.bias!, context.Device);
        using var representations = Represent(features);
        var sampler = new ApproximateGreedyCoresetSampler(_options.CoresetRatio, _options.CoresetStarts, _options.CoresetProjectionDimension);
        using var indices = sampler.SampleIndices(representations, context.Cancellation, (k, total) => context.Log.Progress("coreset", k, total));
        _scorer = new NearestNeighbourScorer(representations.index_select(0, indices), _options.DistanceChunk);
        if (normalise) FitNormalisers(train, context);
    }

    /// <summary>
    /// §4: the median and MAD of the member's scores over the training set. The coreset keeps 1% of the training
    /// patches, so the training images' scores are distances to other patches, not zeros.
    /// </summary>
    private void FitNormalisers(IReadOnlyList<Sample> train, FitContext context)
    {
        var maps = new List<Tensor>();
        var scores = new List<Tensor>();
        try
        {
            using var loader = new DataLoader(train, _options.Preprocessing, context.Device, new LoaderOptions(BatchSize: _options.BatchSize));
            context.Log.Progress($"normaliser {Backbone}", 0, train.Count);
            foreach (var batch in loader)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                using var prediction = Predict(batch.Images);
                maps.Add(prediction.Maps.to(Device.CPU).DetachFromDisposeScope());
                scores.Add(prediction.Scores.to(Device.CPU).DetachFromDisposeScope());
                context.Log.Progress($"normaliser {Backbone}", maps.Sum(m => m.size(0)), train.Count);
            }
            using var allMaps = torch.cat(maps.ToArray());
            using var allScores = torch.cat(scores.ToArray());
            MapNormaliser = MedianAbsoluteDeviationNormaliser.Fit(allMaps);
            ImageNormaliser = MedianAbsoluteDeviationNormaliser.Fit(allScores);
        }
        finally
        {
            foreach (var t in maps.Concat(scores)) t.Dispose();
        }
    }

    /// <summary>Raw maps [B,S,S] and image scores [B] (§3.4: nearest-neighbour distance in f-space, max, upsampling, σ smoothing).</summary>
    public Prediction Predict(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var (patchScores, imageScores) = PatchScores(images);
        return new Prediction(Segmentation(patchScores, images.size(2), images.size(3)), imageScores);
    }

    /// <summary>§3.4: the patch scores [B, h, w] on the feature grid and the image scores [B] (their maximum).</summary>
    public (Tensor PatchScores, Tensor ImageScores) PatchScores(Tensor images)
    {
        EnsureOn(images.device);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var batch = images.size(0);
        using var embeddings = Embed(images);
        var represented = _representation!.call(embeddings.Vectors);
        var (squared, _) = _scorer!.Search(represented, 1);
        // §3.4: s = min_r ‖f(p) − r‖₂, the Euclidean (not squared) distance.
        var patchScores = squared.sqrt().view(batch, embeddings.Height, embeddings.Width);
        var imageScores = patchScores.amax([1, 2]);
        return (patchScores.MoveToOuterDisposeScope(), imageScores.MoveToOuterDisposeScope());
    }

    /// <summary>§3.4: bilinear upsampling to the input and the σ Gaussian, as PatchCore.</summary>
    public Tensor Segmentation(Tensor patchScores, long height, long width) =>
        PatchScoreMap.Upsample(patchScores, height, width, _options.Sigma);

    private PatchEmbeddings Embed(Tensor images)
    {
        using var maps = _extractor!.call(images);
        return _embedding.Embed(_stages.Select(stage => maps[stage]).ToArray());
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

    private static Linear CopyRepresentation(Tensor weight, Tensor bias, Device device)
    {
        var linear = new Linear(weight.size(1), weight.size(0)).to(device);
        using var noGrad = torch.no_grad();
        linear.weight.copy_(weight);
        linear.bias!.copy_(bias);
        linear.weight.requires_grad = false;
        linear.bias.requires_grad = false;
        return linear;
    }

    /// <summary>Adds this model's state under <paramref name="prefix"/> ("" for the single model, "members.0." in an ensemble).</summary>
    public void AddTo(StateDict state, string prefix)
    {
        using (var cpu = _scorer!.MemoryBank.to(Device.CPU)) state.Add(prefix + BankKey, cpu.contiguous());
        using (var cpu = _representation!.weight.to(Device.CPU)) state.Add(prefix + WeightKey, cpu.contiguous());
        using (var cpu = _representation.bias!.to(Device.CPU)) state.Add(prefix + BiasKey, cpu.contiguous());
        foreach (var (key, normaliser) in new[] { (ImageNormaliserKey, ImageNormaliser), (MapNormaliserKey, MapNormaliser) })
        {
            if (normaliser is not null) state.Add(prefix + key, torch.from_array(new[] { normaliser.Median, normaliser.Mad, normaliser.Beta }));
        }
    }

    /// <summary>Restores a model that <see cref="AddTo"/> wrote, with the backbone weights <paramref name="provenance"/> names.</summary>
    public static ReConPatchModel Restore(string path, StateDict state, string prefix, string backbone, ReConPatchOptions options, WeightsProvenance provenance,
        WeightsStore store, bool normalised)
    {
        var bank = Require(path, state, prefix + BankKey, [-1, options.RepresentationDimension]);
        var weight = Require(path, state, prefix + WeightKey, [options.RepresentationDimension, options.FeatureDimension]);
        var bias = Require(path, state, prefix + BiasKey, [options.RepresentationDimension]);
        var model = new ReConPatchModel(options, backbone);
        try
        {
            model._extractor = FeatureExtractor.Restore(store, backbone, model._stages, provenance, path);
            model._representation = CopyRepresentation(weight, bias, Device.CPU);
            model._scorer = new NearestNeighbourScorer(bank.clone(), options.DistanceChunk);
            if (normalised)
            {
                model.ImageNormaliser = Normaliser(path, state, prefix + ImageNormaliserKey);
                model.MapNormaliser = Normaliser(path, state, prefix + MapNormaliserKey);
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static MedianAbsoluteDeviationNormaliser Normaliser(string path, StateDict state, string key)
    {
        using var stored = Require(path, state, key, [3]).to(ScalarType.Float64);
        var values = stored.data<double>();
        return new MedianAbsoluteDeviationNormaliser(values[0], values[1], values[2]);
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

    public void Dispose()
    {
        _extractor?.Dispose();
        _representation?.Dispose();
        _scorer?.Dispose();
    }
}
