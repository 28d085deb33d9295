using AnomalyBench.Datasets;
using AnomalyBench.Methods.Ssm;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// SSM's cost at the paper setting (Retinal-OCT: 128×128, base width 64, k ∈ {2, 4, 8}, batch 32) and the quick profile
/// (32×32, base width 8, batch 4):
/// <list type="bullet">
/// <item><c>Predict</c>: <see cref="ProgressiveMaskRefinement.Score"/> with one refinement round (2 passes × 3 k × 3
/// masks = 18 U-Net passes per batch), then the normalised map and image score; the time per operation is per image.</item>
/// <item><c>TrainStep</c>: one Adam step (3 passes, composite, MSE + MSGMS + SSIM + mask loss, backward); seconds per
/// epoch = steps per epoch × this time (Retinal-OCT: ~26,300 normal training images, 822 steps of 32).</item>
/// </list>
/// Random weights (seed 0) and random images: the cost does not depend on them (the uncovered blocks do not change the work).
/// </summary>
[MemoryDiagnoser]
public class SsmBenchmarks
{
    private MaskedUNet _network = null!;
    private Adam _optimizer = null!;
    private Tensor _input = null!;
    private Tensor _masks = null!;
    private SsmOptions _options = null!;
    private SsmLoss _loss = null!;
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
        _options = SsmOptions.Defaults(Profile == "paper" ? Methods.Profile.Paper : Methods.Profile.Quick);
        torch.manual_seed(0);
        _network = new MaskedUNet(_options.BaseChannels);
        _network.to(_device);
        _optimizer = new Adam(_network.parameters(), lr: _options.LearningRate, weight_decay: _options.WeightDecay);
        _loss = new SsmLoss(_options.Gamma, _options.Alpha, _options.Beta);
        var size = _options.Preprocessing.OutputSize;
        _input = torch.rand([_options.BatchSize, 3, size, size], device: _device);
        _masks = MaskGenerator.Draw(_options.KValues[0], size, new PythonRandom(0), _device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _masks.Dispose();
        _optimizer.Dispose();
        _network.Dispose();
    }

    /// <summary>One batch (32 paper, 4 quick) with refinement; BenchmarkDotNet reports per batch, divide by the batch size for per image.</summary>
    [Benchmark]
    public void Predict()
    {
        _network.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var scores = ProgressiveMaskRefinement.Score(_network, _input, _options);
        var statistics = new ScoreStatistics(-1, 0, 0, 1);
        statistics.ImageScores(statistics.NormalizeMaps(scores.Map), scores.Mse);
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    /// <summary>One optimisation step on one batch.</summary>
    [Benchmark]
    public void TrainStep()
    {
        _network.train();
        using var scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        using var inpainted = Inpainting.Run(_network, _input, _masks);
        using var terms = _loss.Compute(_input, inpainted, _masks);
        terms.Total.backward();
        _optimizer.step();
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
