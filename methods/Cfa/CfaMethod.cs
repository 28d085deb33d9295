// CFA: Lee, Lee, Song, "CFA: Coupled-hypersphere-based Feature Adaptation for Target-Oriented Anomaly
// Localization", IEEE Access 2022 (arXiv 2206.04325). Fit = §3.1–3.3 (frozen CNN patch features, CoordConv
// descriptor φ, memory bank, coupled-hypersphere loss); Predict = §3.4 (Eq. 4–5). It follows the official code
// step for step: sungwool/CFA_for_anomaly_localization trainer_cfa.py (training loop and evaluation),
// utils/cfa.py (DSVDD, Descriptor), utils/coordconv.py and cnn/resnet.py; see methods/Cfa/README.md.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.Cfa;

/// <summary>
/// CFA as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> builds the memory bank once with the untrained
/// descriptor (the per-location mean over the training batches, optionally k-means compressed), then trains the
/// descriptor and the radius r with AdamW for <see cref="CfaOptions.Epochs"/> epochs; the last epoch is the
/// model (no epoch is selected on the test set, unlike the official trainer). <see cref="Predict"/> scores
/// each patch by Eq. 4, upsamples, smooths (σ = 4) and takes the image's maximum.
/// </summary>
public sealed class CfaMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "cfa";

    private const string BankKey = "memory_bank";
    private const string DescriptorPrefix = "descriptor.";
    private const string LossPrefix = "loss.";

    /// <summary>Options that change only how a fitted model is scored, or nothing about it: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma", "eval_every", "selection"];

    private readonly CfaOptions _options;
    private WeightsStore? _weights;
    private FeatureExtractor? _extractor;
    private Descriptor? _descriptor;
    private CoupledHypersphereLoss? _loss;
    private Tensor? _bank;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not fitted.</param>
    public CfaMethod(CfaOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
    }

    public MethodOptions Options => _options;

    public WeightsProvenance? Provenance => _extractor?.provenance;

    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The memory bank [N, D'] (owned by the method), or null before fitting.</summary>
    public Tensor? MemoryBank => _bank;

    /// <summary>The trained descriptor φ, or null before fitting.</summary>
    public Descriptor? Descriptor => _descriptor;

    /// <summary>The loss with the trained radius r, or null before fitting.</summary>
    public CoupledHypersphereLoss? Loss => _loss;

    /// <summary>The mean total loss of each finished epoch of the last <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> EpochLosses { get; private set; } = [];

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("CFA needs at least one training image", nameof(train));
        context.CheckCanSelect(_options.Selection);
        var cancellation = context.Cancellation;
        cancellation.ThrowIfCancellationRequested();
        Reset();
        // Official trainer_cfa.py fixes the seed (1024) before anything is built; the sweep's seed wins here.
        torch.manual_seed(context.Seed);
        _weights = context.Weights;
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            _extractor = FeatureExtractor.Create(context.Weights, _options.Backbone, _options.Layers, source, _options.FeatureActivation);
            _extractor.to(context.Device);
            _descriptor = new Descriptor(_extractor.channels.Sum(), _options.GammaD).to(context.Device);
            _loss = new CoupledHypersphereLoss(_options.K, _options.J, _options.Alpha, _options.Nu, _options.Radius, _options.TrainRadius).to(context.Device);
            // Official loader: batch 4, shuffle, drop_last (so every batch weighs the same in the bank's mean).
            var loaderOptions = new LoaderOptions(BatchSize: _options.BatchSize, Shuffle: true, Seed: unchecked((int)context.Seed),
                DropLast: train.Count >= _options.BatchSize, Cache: true);
            using var loader = new DataLoader(train, _options.Preprocessing, context.Device, loaderOptions);
            _bank = BuildBank(loader, context);
            if (_options.K + _options.J > _bank.size(0))
                throw new ArgumentException($"the memory bank has {_bank.size(0)} entries, fewer than k + j = {_options.K + _options.J}: use a larger input or a smaller gamma_c");
            Train(loader, context);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>Official DSVDD._init_centroid: the running mean of φ_0 over the batches, then optional k-means.</summary>
    private Tensor BuildBank(DataLoader loader, FitContext context)
    {
        using var accumulator = new MemoryBank();
        var done = 0L;
        context.Log.Progress("memory bank", 0, loader.BatchCount);
        using (torch.no_grad())
        {
            foreach (var batch in loader)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                accumulator.Add(Describe(batch.Images));
                context.Log.Progress("memory bank", ++done, loader.BatchCount);
            }
        }
        var bank = accumulator.ToBank().DetachFromDisposeScope();
        if (_options.GammaC <= 1) return bank;
        using (bank)
        {
            var clusters = (int)Math.Max(1, bank.size(0) / _options.GammaC);
            context.Log.Progress("k-means", 0, 1);
            var centres = KMeans.Fit(bank, clusters, _options.KMeansIterations, context.Cancellation).DetachFromDisposeScope();
            context.Log.Progress("k-means", 1, 1);
            return centres;
        }
    }

    /// <summary>Official trainer_cfa.py: AdamW(lr 1e-3, wd 5e-4, amsgrad) over φ and r, no scheduler, no augmentation.</summary>
    private void Train(DataLoader loader, FitContext context)
    {
        var parameters = _descriptor!.parameters().Concat(_loss!.parameters().Where(p => p.requires_grad)).ToList();
        using var optimizer = new AdamW(parameters, lr: _options.LearningRate, weight_decay: _options.WeightDecay, amsgrad: true);
        var epochLosses = new List<double>();
        var step = 0L;
        for (var epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            context.Log.Progress($"epoch {epoch}/{_options.Epochs}", 0, loader.BatchCount);
            double sum = 0;
            var batches = 0;
            foreach (var batch in loader)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                // One scope per step: every tensor of the step goes with it, so memory stays flat.
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var terms = _loss.forward(Flatten(Describe(batch.Images)), _bank!);
                terms.Total.backward();
                optimizer.step();
                var (attraction, repulsion, total) = (LossValue.Of(terms.Attraction), LossValue.Of(terms.Repulsion), LossValue.Of(terms.Total));
                context.Log.Step(++step, new Dictionary<string, double> { ["attraction"] = attraction, ["repulsion"] = repulsion, ["total"] = total },
                    _options.LearningRate);
                sum += total;
                batches++;
                context.Log.Progress($"epoch {epoch}/{_options.Epochs}", batches, loader.BatchCount);
            }
            epochLosses.Add(batches == 0 ? double.NaN : sum / batches);
            // The official trainer evaluates the test set after every epoch; selection: best_test_epoch keeps its protocol.
            if (_options.Selection == ModelSelection.BestTestEpoch || (_options.EvalEvery > 0 && epoch % _options.EvalEvery == 0))
                context.Intermediate?.Evaluate(this, $"epoch {epoch}");
        }
        EpochLosses = epochLosses;
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps[0]: the Eq. 4 patch scores [B, h, w] on the feature grid.</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _descriptor is null || _bank is null) throw new InvalidOperationException("CFA is not fitted yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var phi = Describe(images);
        var (b, h, w) = (phi.size(0), phi.size(2), phi.size(3));
        var patchScores = PatchScorer.Score(Flatten(phi), _bank, _options.K).view(b, h, w);
        return new RawPrediction(images.size(2), images.size(3), [patchScores]);
    }

    /// <summary>§3.4: the scores upsampled to the input and smoothed (σ = 4); the image score is the map's maximum.</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return PatchScorer.Predict(raw.Maps[0], raw.Height, raw.Width, _options.Sigma);
    }

    /// <summary>φ(p) [B, D', H, W] of a normalised batch (frozen backbone, no gradient through it).</summary>
    private Tensor Describe(Tensor images)
    {
        using var maps = _extractor!.call(images);
        return _descriptor!.call(_options.Layers.Select(layer => maps[layer]).ToArray());
    }

    /// <summary>[B, D, H, W] → [B, H·W, D] (official <c>rearrange(phi_p, 'b c h w -> b (h w) c')</c>).</summary>
    private static Tensor Flatten(Tensor phi) => phi.flatten(2).transpose(1, 2);


    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_extractor is null || _descriptor is null || _loss is null || _bank is null) throw new InvalidOperationException("CFA has nothing to save yet: call Fit first");
        using var state = new StateDict();
        using (var cpu = _bank.to(Device.CPU)) state.Add(BankKey, cpu.contiguous());
        MethodCheckpoint.AddModule(state, DescriptorPrefix, _descriptor);
        MethodCheckpoint.AddModule(state, LossPrefix, _loss);
        MethodCheckpoint.SetWeights(state, _extractor.provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var state = MethodCheckpoint.Load(path, Key);
        MethodCheckpoint.CheckOptions(path, state, _options, s_scoringOnlyOptions);
        if (!state.TryGetValue(BankKey, out var bank) || bank.dim() != 2)
            throw new InvalidDataException($"{path}: a CFA checkpoint without a [N, D] '{BankKey}'; it is incomplete");
        var provenance = MethodCheckpoint.Weights(path, state);

        Reset();
        try
        {
            var store = _weights ?? WeightsStore.FromEnvironment();
            _extractor = FeatureExtractor.Restore(store, _options.Backbone, _options.Layers, provenance, path, _options.FeatureActivation);
            _descriptor = new Descriptor(_extractor.channels.Sum(), _options.GammaD);
            _loss = new CoupledHypersphereLoss(_options.K, _options.J, _options.Alpha, _options.Nu, _options.Radius, _options.TrainRadius);
            MethodCheckpoint.LoadModule(path, state, DescriptorPrefix, _descriptor);
            MethodCheckpoint.LoadModule(path, state, LossPrefix, _loss);
            _bank = bank.clone().DetachFromDisposeScope();
            if (_bank.size(1) != _descriptor.layer.OutChannels)
                throw new InvalidDataException($"{path}: '{BankKey}' is [{string.Join(", ", _bank.shape)}], expected [N, {_descriptor.layer.OutChannels}]");
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>Moves the model and the bank to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var current = _bank!.device;
        if (current.Type != device.Type || (device.Index >= 0 && current.Index != device.Index))
        {
            _extractor!.to(device);
            _descriptor!.to(device);
            _loss!.to(device);
            var moved = _bank.to(device).DetachFromDisposeScope();
            _bank.Dispose();
            _bank = moved;
        }
    }

    private void Reset()
    {
        _extractor?.Dispose();
        _extractor = null;
        _descriptor?.Dispose();
        _descriptor = null;
        _loss?.Dispose();
        _loss = null;
        _bank?.Dispose();
        _bank = null;
    }

    /// <summary>The registry's description of CFA: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "CFA",
        "Coupled-hypersphere feature adaptation: a CoordConv descriptor on frozen WRN-50-2 layers 1-3 trained towards a per-location memory bank (Lee et al., IEEE Access 2022; official code).",
        typeof(CfaOptions),
        CfaOptions.Defaults,
        options => new CfaMethod((CfaOptions)options),
        SupportsUnified: false,
        PublishedSelection: TestSetSelectionRule.BestValuePerMetric);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
