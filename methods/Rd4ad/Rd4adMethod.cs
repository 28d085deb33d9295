// RD4AD: Deng and Li, "Anomaly Detection via Reverse Distillation from One-Class Embedding", CVPR 2022. Fit = §3.2–3.4
// (frozen teacher E, trainable one-class bottleneck embedding and student decoder D, cosine reconstruction loss);
// Predict = §3.5 (Eq. 3: per-level 1 − cos maps, upsampled and summed, Gaussian σ = 4, image score = max). It follows
// the official code step for step: hq-deng/RD4AD main.py (training), test.py (evaluation), resnet.py (teacher, OCBE),
// de_resnet.py (decoder); see methods/Rd4ad/README.md and shared/research/methods-2.md §0, §3.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.ReverseDistillation;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.Rd4ad;

/// <summary>
/// RD4AD as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> trains the OCBE and the decoder with Adam for
/// <see cref="Rd4adOptions.Epochs"/> epochs to reconstruct the frozen teacher's layer1–3 from the bottleneck; the last
/// epoch is the model (the official script also reports the last evaluation). <see cref="Predict"/> sums the per-level
/// distance maps, smooths them and takes each image's maximum.
/// </summary>
public sealed class Rd4adMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "rd4ad";

    private const string BottleneckPrefix = "bn.";
    private const string DecoderPrefix = "decoder.";

    /// <summary>Options that change only how a fitted model is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma", "batch_size"];

    private readonly Rd4adOptions _options;
    private WeightsStore? _weights;
    private FeatureExtractor? _teacher;
    private OneClassBottleneck? _bottleneck;
    private ReverseDistillationDecoder? _decoder;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not fitted.</param>
    public Rd4adMethod(Rd4adOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
    }

    public MethodOptions Options => _options;

    public WeightsProvenance? Provenance => _teacher?.provenance;

    public string WeightsProvenance => Provenance?.ToString() ?? "none (not fitted)";

    /// <summary>The frozen teacher (layer1–3), or null before fitting.</summary>
    public FeatureExtractor? Teacher => _teacher;

    /// <summary>The trained OCBE, or null before fitting.</summary>
    public OneClassBottleneck? Bottleneck => _bottleneck;

    /// <summary>The trained student decoder, or null before fitting.</summary>
    public ReverseDistillationDecoder? Decoder => _decoder;

    /// <summary>The mean loss of each finished epoch of the last <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> EpochLosses { get; private set; } = [];

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("RD4AD needs at least one training image", nameof(train));
        context.Cancellation.ThrowIfCancellationRequested();
        Reset();
        _weights = context.Weights;
        // Official main.py: setup_seed(111) once before everything; the sweep's seed wins here.
        var source = WeightsSource.Resolve(_options.Weights, context.Weights, _options.Backbone, context.Seed);
        try
        {
            _teacher = FeatureExtractor.Create(context.Weights, _options.Backbone, ReverseDistillationArchitecture.Levels, source).to(context.Device);
            torch.manual_seed(context.Seed);
            BuildStudent(context.Device);
            // Official: DataLoader(batch 16, shuffle=True), drop_last False, no augmentation.
            var loaderOptions = new LoaderOptions(BatchSize: _options.BatchSize, Shuffle: true, Seed: unchecked((int)context.Seed), Cache: true);
            using var loader = new DataLoader(train, _options.Preprocessing, context.Device, loaderOptions);
            Train(loader, context);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    private void BuildStudent(Device device)
    {
        var architecture = ReverseDistillationArchitecture.For(_options.Backbone);
        _bottleneck = new OneClassBottleneck(architecture).to(device);
        _decoder = new ReverseDistillationDecoder(architecture).to(device);
    }

    /// <summary>Official main.py: Adam(decoder + bn, lr 0.005, betas (0.5, 0.999)), no weight decay, no schedule.</summary>
    private void Train(DataLoader loader, FitContext context)
    {
        var parameters = _decoder!.parameters().Concat(_bottleneck!.parameters()).ToList();
        using var optimizer = new Adam(parameters, lr: _options.LearningRate, beta1: _options.Beta1, beta2: _options.Beta2);
        _bottleneck.train();
        _decoder.train();
        var epochLosses = new List<double>();
        var step = 0L;
        for (var epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            var phase = $"epoch {epoch}/{_options.Epochs}";
            context.Log.Progress(phase, 0, loader.BatchCount);
            double sum = 0;
            var batches = 0;
            foreach (var batch in loader)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                // One scope per step: every tensor of the step goes with it, so memory stays flat.
                using var scope = torch.NewDisposeScope();
                var loss = Loss(batch.Images);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                var value = LossValue.Of(loss);
                context.Log.Step(++step, new Dictionary<string, double> { ["cosine"] = value }, _options.LearningRate);
                sum += value;
                batches++;
                context.Log.Progress(phase, batches, loader.BatchCount);
            }
            epochLosses.Add(batches == 0 ? double.NaN : sum / batches);
        }
        EpochLosses = epochLosses;
        _bottleneck.eval();
        _decoder.eval();
    }

    /// <summary>The training loss of a batch (official <c>loss_fucntion(inputs, outputs)</c>).</summary>
    public Tensor Loss(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_teacher is null) throw new InvalidOperationException("RD4AD is not built yet: call Fit or Load first");
        using var scope = torch.NewDisposeScope();
        var (targets, predictions) = Reconstruct(images);
        var loss = _options.Loss == Rd4adLoss.Global ? CosineLoss.Global(targets, predictions) : CosineLoss.PerPixel(targets, predictions);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The teacher's levels [layer1, layer2, layer3] and the student's reconstructions of them.</summary>
    private (IReadOnlyList<Tensor> Targets, IReadOnlyList<Tensor> Predictions) Reconstruct(Tensor images)
    {
        var maps = _teacher!.call(images);
        IReadOnlyList<Tensor> targets = [maps[0], maps[1], maps[2]];
        var predictions = _decoder!.call(_bottleneck!.call(targets));
        return (targets, predictions);
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps: 1 − cos of each level (layer1, layer2, layer3) at the level's resolution, [B, h_l, w_l].</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_teacher is null || _bottleneck is null || _decoder is null) throw new InvalidOperationException("RD4AD is not fitted yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        EnsureOn(images.device);
        _bottleneck.eval();
        _decoder.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (targets, predictions) = Reconstruct(images);
        return new RawPrediction(images.size(2), images.size(3), AnomalyMap.LevelDistances(targets, predictions));
    }

    /// <summary>§3.5, Eq. 3: the levels upsampled and summed, Gaussian σ = 4, image score = the map's maximum.</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var maps = AnomalyMap.Fuse(raw.Maps, raw.Height, raw.Width, MapFusion.Sum);
        maps = AnomalyMap.Smooth(maps, MapSmoothing.Scipy, _options.Sigma);
        return new Prediction(maps, AnomalyMap.Scores(maps, ImageScore.Max));
    }

    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_teacher is null || _bottleneck is null || _decoder is null) throw new InvalidOperationException("RD4AD has nothing to save yet: call Fit first");
        using var state = new StateDict();
        MethodCheckpoint.AddModule(state, BottleneckPrefix, _bottleneck);
        MethodCheckpoint.AddModule(state, DecoderPrefix, _decoder);
        MethodCheckpoint.SetWeights(state, _teacher.provenance);
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions, state => MethodCheckpoint.Weights(path, state), Reset, (state, provenance) =>
        {
            var store = _weights ?? WeightsStore.FromEnvironment();
            _teacher = FeatureExtractor.Restore(store, _options.Backbone, ReverseDistillationArchitecture.Levels, provenance, path);
            BuildStudent(Device.CPU);
            MethodCheckpoint.LoadModule(path, state, BottleneckPrefix, _bottleneck!);
            MethodCheckpoint.LoadModule(path, state, DecoderPrefix, _decoder!);
            _bottleneck!.eval();
            _decoder!.eval();
        });
    }

    /// <summary>Moves the networks to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var current = _decoder!.parameters().First().device;
        if (current.Type != device.Type || (device.Index >= 0 && current.Index != device.Index))
        {
            _teacher!.to(device);
            _bottleneck!.to(device);
            _decoder.to(device);
        }
    }

    private void Reset()
    {
        _teacher?.Dispose();
        _teacher = null;
        _bottleneck?.Dispose();
        _bottleneck = null;
        _decoder?.Dispose();
        _decoder = null;
    }

    /// <summary>The registry's description of RD4AD: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "RD4AD",
        "Reverse distillation: a frozen WRN-50-2 teacher (layers 1-3), a one-class bottleneck embedding and a de-ResNet student decoder trained with a cosine loss (Deng and Li, CVPR 2022; official code).",
        typeof(Rd4adOptions),
        Rd4adOptions.Defaults,
        options => new Rd4adMethod((Rd4adOptions)options),
        SupportsUnified: false);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
