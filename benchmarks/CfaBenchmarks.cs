using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Cfa;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// CFA's cost at the paper setting (Wide-ResNet-50-2 layers 1–3, 224×224, D' = 1792, a 3136-entry bank) and the
/// quick profile (ResNet-18, 128×128, D' = 448, 1024 entries), batch 4 as in the official trainer:
/// <list type="bullet">
/// <item><c>Predict</c>: backbone, descriptor, Eq. 4 scores, upsampling, σ = 4 smoothing, image max — the steps of
/// <see cref="CfaMethod.Predict"/>; the time per operation is per image.</item>
/// <item><c>TrainStep</c>: one AdamW step (backbone forward, descriptor forward and backward, coupled-hypersphere
/// loss); seconds per epoch = steps per epoch × this time (an MVTec category of 209 training images: 52 steps).</item>
/// </list>
/// Random weights (seed 0) and a random bank: the cost does not depend on them.
/// </summary>
[MemoryDiagnoser]
public class CfaBenchmarks
{
    public const int Batch = 4;

    private FeatureExtractor _extractor = null!;
    private Descriptor _descriptor = null!;
    private CoupledHypersphereLoss _loss = null!;
    private AdamW _optimizer = null!;
    private Tensor _bank = null!;
    private Tensor _input = null!;
    private CfaOptions _options = null!;
    private Device _device;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [Params("paper", "quick")]
    public string Profile { get; set; } = "paper";

    [GlobalSetup]
    public void Setup()
    {
        _device = AnomalyBench.Torch.Device.Parse(Device);
        _options = CfaOptions.Defaults(Profile == "paper" ? Methods.Profile.Paper : Methods.Profile.Quick);
        var store = WeightsStore.FromEnvironment();
        torch.manual_seed(0);
        _extractor = new FeatureExtractor(store.Create(_options.Backbone, WeightsSource.Random(0)), _options.Layers, activation: _options.FeatureActivation).to(_device);
        _descriptor = new Descriptor(_extractor.channels.Sum(), _options.GammaD).to(_device);
        _loss = new CoupledHypersphereLoss(_options.K, _options.J, _options.Alpha, _options.Nu, _options.Radius).to(_device);
        _optimizer = new AdamW(_descriptor.parameters().Concat(_loss.parameters()), lr: _options.LearningRate, weight_decay: _options.WeightDecay, amsgrad: true);
        var size = _options.Preprocessing.Crop ?? _options.Preprocessing.ImageSize;
        var grid = size / _extractor.reductions[0];
        _bank = torch.randn([grid * grid, _descriptor.layer.OutChannels], device: _device);
        _input = torch.randn([Batch, 3, size, size], device: _device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _bank.Dispose();
        _optimizer.Dispose();
        _loss.Dispose();
        _descriptor.Dispose();
        _extractor.Dispose();
    }

    /// <summary>One batch of 4; BenchmarkDotNet's time per operation is per image (images/s = 1 / time).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Predict()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var maps = _extractor.call(_input);
        var phi = _descriptor.call(_options.Layers.Select(l => maps[l]).ToArray());
        var (b, h, w) = (phi.size(0), phi.size(2), phi.size(3));
        var scores = PatchScorer.Score(phi.flatten(2).transpose(1, 2), _bank, _options.K).view(b, h, w);
        var anomaly = PatchScoreMap.Upsample(scores, _input.size(2), _input.size(3), _options.Sigma);
        anomaly.amax([1, 2]);
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    /// <summary>One optimisation step on a batch of 4.</summary>
    [Benchmark]
    public void TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        using var maps = _extractor.call(_input);
        var phi = _descriptor.call(_options.Layers.Select(l => maps[l]).ToArray());
        var terms = _loss.forward(phi.flatten(2).transpose(1, 2), _bank);
        terms.Total.backward();
        _optimizer.step();
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
