// SSM: Huang, Xu, Wang, Wang, Zhang, "Self-Supervised Masking for Unsupervised Anomaly Detection and Localization",
// IEEE TMM 2022 (arXiv 2205.06568). Fit follows the official MediaBrain-SJTU/SSM train.py::train (the training loop the
// published checkpoint came from), Predict follows test.py::test (progressive mask refinement) and test.py::main (image
// score); the MVTec AD setting, unpublished, is RIAD's (early stopping on a hold-out of the training images). The paper's
// text was not available (shared/research/methods-2.md §2); see methods/Ssm/README.md.

using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// SSM as an <see cref="IAnomalyMethod"/>. <see cref="Fit"/> trains the <see cref="MaskedUNet"/> to inpaint the parts hidden
/// by three complementary random masks (<see cref="SsmLoss"/>), with Adam and step decay; with a hold-out it keeps the epoch
/// of the lowest hold-out loss and stops after <see cref="SsmOptions.Patience"/> epochs without improvement. It then scores
/// the training images to fix the score normalisation. <see cref="Predict"/> runs <see cref="ProgressiveMaskRefinement"/>.
/// </summary>
public sealed class SsmMethod : IAnomalyMethod, ITestSetScoring, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "ssm";

    private const string NetworkPrefix = "unet.";
    private const string StatisticsKey = "score_statistics";

    /// <summary>Only the choice of normalisation may differ when a checkpoint is loaded: every other option changes the network or the statistics.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["score_norm"];

    private readonly SsmOptions _options;
    private MaskedUNet? _network;
    private ScoreStatistics? _statistics;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    public SsmMethod(SsmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public MethodOptions Options => _options;

    /// <summary>The trained network, or null before fitting.</summary>
    public MaskedUNet? Network => _network;

    /// <summary>The training-image ranges of the map and the MSE (score_norm: train), or null before fitting.</summary>
    public ScoreStatistics? Statistics => _statistics;

    /// <summary>The mean training loss of each finished epoch of the last <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> EpochLosses { get; private set; } = [];

    /// <summary>The mean hold-out loss of each finished epoch (empty without a hold-out).</summary>
    public IReadOnlyList<double> ValidationLosses { get; private set; } = [];

    /// <summary>The 1-based epoch whose weights were kept (the last one without a hold-out).</summary>
    public int KeptEpoch { get; private set; }

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("SSM needs at least one training image", nameof(train));
        context.CheckCanSelect(_options.Selection);
        context.Cancellation.ThrowIfCancellationRequested();
        Reset();
        // Official train.py seeds torch and random with --seed (random in 1..10000 unless given); the sweep's seed wins here.
        torch.manual_seed(context.Seed);
        try
        {
            _network = new MaskedUNet(_options.BaseChannels);
            _network.to(context.Device);
            var (fit, holdout) = Split(train, context.Seed);
            Train(fit, holdout, context);
            _statistics = MeasureStatistics(train, context);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    /// <summary>RIAD: a random <c>validation_ratio</c> of the training images (int(n·ratio)) is held out for early stopping.</summary>
    private (IReadOnlyList<Sample> Fit, IReadOnlyList<Sample> Holdout) Split(IReadOnlyList<Sample> train, ulong seed)
    {
        var held = (int)(train.Count * _options.ValidationRatio);
        if (held == 0 || held == train.Count) return (train, []);
        var order = Enumerable.Range(0, train.Count).ToArray();
        new PythonRandom((long)seed).Shuffle(order);
        return (order.Skip(held).Select(i => train[i]).ToList(), order.Take(held).Select(i => train[i]).ToList());
    }

    /// <summary>Official train.py: Adam(lr, weight_decay) over the U-Net, lr × 0.1 from each decay epoch on, one k per batch.</summary>
    private void Train(IReadOnlyList<Sample> fit, IReadOnlyList<Sample> holdout, FitContext context)
    {
        var network = _network!;
        var loss = new SsmLoss(_options.Gamma, _options.Alpha, _options.Beta);
        using var optimizer = new Adam(network.parameters(), lr: _options.LearningRate, weight_decay: _options.WeightDecay);
        var loaderOptions = new LoaderOptions(BatchSize: _options.BatchSize, Shuffle: true, Seed: unchecked((int)context.Seed), Cache: true);
        using var loader = new DataLoader(fit, _options.Preprocessing, context.Device, loaderOptions);
        using var validation = holdout.Count > 0
            ? new DataLoader(holdout, _options.Preprocessing, context.Device, new LoaderOptions(BatchSize: _options.BatchSize, Cache: true))
            : null;
        // Official: random.sample(k_value, 1) per batch and np.random for the cells; one seeded generator here.
        var random = new PythonRandom((long)context.Seed);
        var size = _options.Preprocessing.OutputSize;
        var epochLosses = new List<double>();
        var validationLosses = new List<double>();
        StateDict? best = null;
        var bestLoss = double.PositiveInfinity;
        var bestAuroc = double.NegativeInfinity;
        var sinceBest = 0;
        var step = 0L;
        KeptEpoch = 0;
        try
        {
            for (var epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                var lr = LearningRate(epoch);
                foreach (var group in optimizer.param_groups) group.lr = lr;
                var phase = $"epoch {epoch}/{_options.Epochs}";
                context.Log.Progress(phase, 0, loader.BatchCount);
                network.train();
                double sum = 0;
                var batches = 0;
                foreach (var batch in loader)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    // One scope per step: every tensor of the step goes with it, so memory stays flat.
                    using var scope = torch.NewDisposeScope();
                    optimizer.zero_grad();
                    var images = NetworkInput(batch.Images);
                    var k = _options.KValues[(int)random.RandBelow(_options.KValues.Count)];
                    var masks = MaskGenerator.Draw(k, size, random, images.device);
                    using var inpainted = Inpainting.Run(network, images, masks);
                    using var terms = loss.Compute(images, inpainted, masks);
                    terms.Total.backward();
                    optimizer.step();
                    var values = new Dictionary<string, double>
                    {
                        ["mse"] = LossValue.Of(terms.Mse), ["msgms"] = LossValue.Of(terms.Msgms), ["ssim"] = LossValue.Of(terms.Ssim),
                        ["mask"] = LossValue.Of(terms.Mask), ["total"] = LossValue.Of(terms.Total),
                    };
                    context.Log.Step(++step, values, lr);
                    sum += values["total"];
                    batches++;
                    context.Log.Progress(phase, batches, loader.BatchCount);
                }
                epochLosses.Add(batches == 0 ? double.NaN : sum / batches);
                if (_options.Selection == ModelSelection.BestTestEpoch)
                {
                    // Official train.py: the test set after every epoch, a checkpoint whenever the image AUC improves (strictly).
                    var auroc = TestImageAuroc(fit, context, epoch);
                    if (best is null || auroc > bestAuroc)
                    {
                        bestAuroc = auroc;
                        best?.Dispose();
                        best = network.state_dict();
                        KeptEpoch = epoch;
                    }
                    continue;
                }
                KeptEpoch = epoch;
                if (validation is null) continue;

                var holdoutLoss = ValidationLoss(validation, loss, context);
                validationLosses.Add(holdoutLoss);
                if (holdoutLoss < bestLoss)
                {
                    bestLoss = holdoutLoss;
                    sinceBest = 0;
                    best?.Dispose();
                    best = network.state_dict();
                    KeptEpoch = epoch;
                }
                else if (_options.Patience > 0 && ++sinceBest >= _options.Patience)
                {
                    break;
                }
            }
            // RIAD's test loads the checkpoint EarlyStop saved (the epoch of the lowest hold-out loss); SSM's test.py the one
            // train.py saved at the best test AUC.
            if (best is not null) network.load_state_dict(best);
            if (best is not null && validationLosses.Count > 0) KeptEpoch = validationLosses.IndexOf(bestLoss) + 1;
        }
        finally
        {
            best?.Dispose();
            EpochLosses = epochLosses;
            ValidationLosses = validationLosses;
        }
    }

    /// <summary>
    /// The test-set image AUROC of the network as it is after <paramref name="epoch"/> (selection: best_test_epoch), through the
    /// method's own Predict: the training-image statistics are measured first where score_norm: train needs them. An undefined
    /// AUROC counts as −∞ so that it is never kept over a defined one.
    /// </summary>
    private double TestImageAuroc(IReadOnlyList<Sample> train, FitContext context, int epoch)
    {
        _statistics = _options.ScoreNorm == ScoreNormalization.Train ? MeasureStatistics(train, context) : ScoreStatistics.Identity;
        var metrics = context.Intermediate!.Evaluate(this, $"epoch {epoch}");
        _statistics = null;
        return metrics.TryGetValue("image_auroc", out var auroc) && auroc is { } value ? value : double.NegativeInfinity;
    }

    /// <summary>RIAD train.py::val: the same loss in eval mode, weighted by batch size; masks from a generator re-seeded every epoch so epochs compare.</summary>
    private double ValidationLoss(DataLoader validation, SsmLoss loss, FitContext context)
    {
        var network = _network!;
        network.eval();
        var random = new PythonRandom((long)context.Seed + 1);
        double sum = 0;
        var count = 0;
        using var noGrad = torch.no_grad();
        foreach (var batch in validation)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var images = NetworkInput(batch.Images);
            var k = _options.KValues[(int)random.RandBelow(_options.KValues.Count)];
            var masks = MaskGenerator.Draw(k, _options.Preprocessing.OutputSize, random, images.device);
            using var inpainted = Inpainting.Run(network, images, masks);
            using var terms = loss.Compute(images, inpainted, masks);
            sum += LossValue.Of(terms.Total) * batch.Count;
            count += batch.Count;
        }
        network.train();
        return sum / Math.Max(count, 1);
    }

    /// <summary>The learning rate of a 1-based epoch: lr · 0.1^(number of decay epochs ≤ epoch) (official adjust_learning_rate).</summary>
    public double LearningRate(int epoch) => _options.LearningRate * Math.Pow(0.1, _options.LrDecayEpochs.Count(e => e <= epoch));

    /// <summary>The ranges of the refined maps and MSEs over the training images (score_norm: train), measured once after training.</summary>
    private ScoreStatistics MeasureStatistics(IReadOnlyList<Sample> train, FitContext context)
    {
        var network = _network!;
        network.eval();
        var (mapMin, mapMax, mseMin, mseMax) = (double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity);
        using var loader = new DataLoader(train, _options.Preprocessing, context.Device, new LoaderOptions(BatchSize: _options.BatchSize));
        var done = 0L;
        context.Log.Progress("score statistics", 0, loader.BatchCount);
        using var noGrad = torch.no_grad();
        foreach (var batch in loader)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            using var scores = ProgressiveMaskRefinement.Score(network, NetworkInput(batch.Images), _options);
            var s = ScoreStatistics.Of(scores.Map, scores.Mse);
            (mapMin, mapMax) = (Math.Min(mapMin, s.MapMin), Math.Max(mapMax, s.MapMax));
            (mseMin, mseMax) = (Math.Min(mseMin, s.MseMin), Math.Max(mseMax, s.MseMax));
            context.Log.Progress("score statistics", ++done, loader.BatchCount);
        }
        return new ScoreStatistics(mapMin, mapMax, mseMin, mseMax);
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>
    /// Maps[0]: the refined score map [B,S,S] at the input size; Scores[0]: the MSE of the last pass [B]. The Gaussian
    /// smoothing belongs to this stage: every refinement round thresholds the smoothed map.
    /// </summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null || _statistics is null) throw new InvalidOperationException("SSM is not fitted yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        var size = _options.Preprocessing.OutputSize;
        if (images.size(2) != size || images.size(3) != size)
            throw new ArgumentException($"images must be {size}×{size} (image_size/crop of the options), got {images.size(2)}×{images.size(3)}", nameof(images));
        EnsureOn(images.device);
        _network.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        // The raw prediction takes the two tensors over from the RefinedScores.
        var scores = ProgressiveMaskRefinement.Score(_network, NetworkInput(images), _options);
        return new RawPrediction(images.size(2), images.size(3), [scores.Map], [scores.Mse]);
    }

    /// <summary>test.py::main: the min-max normalised map and the image score from it and the MSE (plus the raw parts for test-set rescoring).</summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_statistics is null) throw new InvalidOperationException("SSM is not fitted yet: call Fit or Load first");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (map, mse) = (raw.Maps[0], raw.Scores[0]);
        var statistics = _options.ScoreNorm == ScoreNormalization.Train ? _statistics : ScoreStatistics.Identity;
        var maps = statistics.NormalizeMaps(map);
        var imageScores = statistics.ImageScores(maps, mse);
        // Raw parts for the official test-set normalisation: map maximum, map minimum, MSE.
        var parts = torch.stack([map.amax([1, 2]), map.amin([1, 2]), mse], 1).to(ScalarType.Float32);
        return new Prediction(maps.to(ScalarType.Float32), imageScores.to(ScalarType.Float32), parts);
    }

    public bool UsesTestSetStatistics => _options.ScoreNorm == ScoreNormalization.Test;

    public string TestSetProtocol =>
        "transductive: map maximum and MSE min-max normalised over the test set, then added (official SSM test.py)";

    /// <summary>
    /// Official test.py main(): the maps are min-max normalised with the minimum and maximum over all test pixels, each
    /// image's maximum is taken, the MSE is min-max normalised over the test images, the two are added (the final min-max
    /// is monotone and left out).
    /// </summary>
    public float[] Rescore(IReadOnlyList<float[]> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) return [];
        if (parts.Any(p => p.Length != 3)) throw new ArgumentException("each image's score parts must be (map max, map min, mse)", nameof(parts));
        var statistics = new ScoreStatistics(parts.Min(p => p[1]), parts.Max(p => p[0]), parts.Min(p => p[2]), parts.Max(p => p[2]));
        static double Scale(double v, double min, double max) => (v - min) / (max - min > 0 ? max - min : 1);
        return parts.Select(p => (float)(Scale(p[0], statistics.MapMin, statistics.MapMax) + Scale(p[2], statistics.MseMin, statistics.MseMax))).ToArray();
    }

    /// <summary>The batch as the network sees it: [0,1] as the pipeline gives it, or [−1,1] with <see cref="SsmOptions.SymmetricInputs"/>.</summary>
    private Tensor NetworkInput(Tensor images) => _options.SymmetricInputs ? (images - 0.5) / 0.5 : images.alias();


    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_network is null || _statistics is null) throw new InvalidOperationException("SSM has nothing to save yet: call Fit first");
        using var state = new StateDict();
        MethodCheckpoint.AddModule(state, NetworkPrefix, _network);
        state.Add(StatisticsKey, _statistics.ToTensor());
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions,
            state => state.TryGetValue(StatisticsKey, out var statistics)
                ? statistics
                : throw new InvalidDataException($"{path}: an SSM checkpoint without '{StatisticsKey}'; it is incomplete"),
            Reset,
            (state, statistics) =>
            {
                _network = new MaskedUNet(_options.BaseChannels);
                MethodCheckpoint.LoadModule(path, state, NetworkPrefix, _network);
                _statistics = ScoreStatistics.FromTensor(statistics);
            });
    }

    /// <summary>Moves the network to the device of the images (after Load, or for a run on another device).</summary>
    private void EnsureOn(Device device)
    {
        var current = _network!.parameters().First().device;
        if (current.Type != device.Type || (device.Index >= 0 && current.Index != device.Index)) _network.to(device);
    }

    private void Reset()
    {
        _network?.Dispose();
        _network = null;
        _statistics = null;
    }

    /// <summary>The registry's description of SSM: key, title, options and profiles, factory.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "SSM",
        "Self-supervised masking: a mask-conditioned U-Net inpaints three complementary random masks; progressive mask refinement at inference (Huang et al., IEEE TMM 2022; official Retinal-OCT code).",
        typeof(SsmOptions),
        SsmOptions.Defaults,
        options => new SsmMethod((SsmOptions)options),
        SupportsUnified: true,
        PublishedSelection: TestSetSelectionRule.EpochOfBestImageAuroc);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
