using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// ReConPatch's training cost, per profile: one optimisation step on a mini-batch of N patch features
/// (pseudo-labels from the EMA network, relaxed contrastive loss, AdamP step, EMA update), as ReConPatchTrainer
/// runs it. Seconds per epoch = step time × (training patches / N): with the paper profile 784 patches per
/// 224-px image, so an MVTec category of ~250 images has ~196 steps per epoch. Predict throughput is dominated by
/// the backbone plus f and the nearest-neighbour search over the 1 % bank: <see cref="Predict"/> measures it on a
/// method fitted (1 epoch) on 10 generated 256-px images, predicting a batch of 8 at the profile's size.
/// Random weights, features and heads (seed 0); the cost does not depend on their values.
/// </summary>
[MemoryDiagnoser]
public class ReConPatchBenchmarks
{
    private Tensor _features = null!;
    private ReConPatchHeads _target = null!;
    private ReConPatchHeads _similarity = null!;
    private AdamP _optimizer = null!;
    private ReConPatchOptions _options = null!;
    private ReConPatchMethod _method = null!;
    private Tensor _images = null!;
    private string _weightsFolder = "";

    public const int PredictBatch = 8;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [Params("paper", "quick")]
    public string Profile { get; set; } = "paper";

    [GlobalSetup]
    public void Setup()
    {
        var device = AnomalyBench.Torch.Device.Parse(Device);
        _options = ReConPatchOptions.Defaults(Profile == "paper" ? AnomalyBench.Methods.Profile.Paper : AnomalyBench.Methods.Profile.Quick);
        torch.manual_seed(0);
        _features = torch.randn([_options.PatchBatchSize, _options.FeatureDimension], device: device);
        _target = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(device);
        _similarity = new ReConPatchHeads(_options.FeatureDimension, _options.RepresentationDimension, _options.ProjectionDimension).to(device);
        ExponentialMovingAverage.Initialise(_similarity, _target);
        _optimizer = new AdamP(_target.parameters(), _options.LearningRate, weight_decay: _options.WeightDecay, delta: _options.AdamPDelta, wd_ratio: _options.AdamPWdRatio);

        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 256, TrainCount: 10, TestCount: 6, Categories: ["wood"]));
        var data = MVTecLayoutReader.Synthetic(root).Read("wood");
        _weightsFolder = Path.Combine(Path.GetTempPath(), $"anomalybench-reconpatch-bench-{Guid.NewGuid():N}");
        var fitOptions = _options with { Weights = "random", Epochs = 1 };
        _method = new ReConPatchMethod(fitOptions);
        _method.Fit(data.Train, new FitContext(device, 0, new WeightsStore(_weightsFolder), NullTrainingLog.Instance));
        var size = fitOptions.Preprocessing.OutputSize;
        _images = torch.randn([PredictBatch, 3, size, size], device: device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _images.Dispose();
        _method.Dispose();
        if (Directory.Exists(_weightsFolder)) Directory.Delete(_weightsFolder, recursive: true);
        _optimizer.Dispose();
        _similarity.Dispose();
        _target.Dispose();
        _features.Dispose();
    }

    /// <summary>One training step on N = patch_batch_size features.</summary>
    [Benchmark]
    public float TrainingStep()
    {
        using var scope = torch.NewDisposeScope();
        Tensor w;
        using (torch.no_grad())
        {
            var zBar = _similarity.call(_features);
            w = PseudoLabels.Combined(zBar, _options.PairwiseSigma, _options.ContextualNeighbours, _options.Alpha);
        }
        var loss = RelaxedContrastiveLoss.Compute(_target.call(_features), w, _options.Margin);
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        ExponentialMovingAverage.Update(_similarity, _target, _options.EmaMomentum);
        return loss.item<float>();
    }

    /// <summary>Prediction of one batch of 8; BenchmarkDotNet's time per operation is per image (images/s = 1 / time).</summary>
    [Benchmark(OperationsPerInvoke = PredictBatch)]
    public void Predict()
    {
        using var prediction = _method.Predict(_images);
    }
}
