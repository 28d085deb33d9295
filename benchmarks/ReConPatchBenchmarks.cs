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
/// the backbone (BackboneBenchmarks) plus f and the nearest-neighbour search over the 1 % bank.
/// Random features and heads (seed 0); the cost does not depend on their values.
/// </summary>
[MemoryDiagnoser]
public class ReConPatchBenchmarks
{
    private Tensor _features = null!;
    private ReConPatchHeads _target = null!;
    private ReConPatchHeads _similarity = null!;
    private AdamP _optimizer = null!;
    private ReConPatchOptions _options = null!;

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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
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
}
