using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Fyd;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Optim;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// FYD's cost at the paper setting (ResNet-18 layers 1–3, 224×224, ICA + FCA + fine alignment, a 100-channel Gaussian
/// per location of the 56×56 grid) and the quick profile (128×128, 32×32 grid), batch 8:
/// <list type="bullet">
/// <item><c>Predict</c>: <see cref="FydMethod.Predict"/> (aligned forward pass, inverse warps, Mahalanobis distances,
/// ICA inverse, upsampling, σ = 4 smoothing, image max); the time per operation is per image.</item>
/// <item><c>TrainStep</c>: one SGD step on fine + λ·L_ICA (forward and backward through the transformers, the backbone
/// and the projector); seconds per epoch = steps per epoch × this time (an MVTec category of 209 training images at the
/// paper's batch 32: 6 steps of 4× this batch).</item>
/// </list>
/// Random weights (seed 0); the Gaussian is fitted on 8 generated washer images (the cost does not depend on its values).
/// </summary>
[MemoryDiagnoser]
public class FydBenchmarks
{
    public const int Batch = 8;

    private FydMethod _method = null!;
    private SGD _optimizer = null!;
    private Tensor _input = null!;
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
        var options = FydOptions.Defaults(Profile == "paper" ? Methods.Profile.Paper : Methods.Profile.Quick) with { Weights = "random", Epochs = 0, BatchSize = Batch };
        var root = SyntheticDataset.EnsureGenerated(new SyntheticOptions(Seed: 0, ImageSize: 256, TrainCount: Batch, TestCount: 6, Categories: ["washer"]));
        var train = MVTecLayoutReader.Synthetic(root).Read("washer").Train;
        _method = new FydMethod(options);
        _method.Fit(train, new FitContext(_device, 0, WeightsStore.FromEnvironment(), NullTrainingLog.Instance));
        _optimizer = new SGD(_method.Network!.parameters().Where(p => p.requires_grad), lr: options.LearningRate, momentum: options.Momentum);
        var size = options.Preprocessing.OutputSize;
        _input = torch.randn([Batch, 3, size, size], device: _device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _optimizer.Dispose();
        _method.Dispose();
    }

    /// <summary>One batch of 8; BenchmarkDotNet's time per operation is per image (images/s = 1 / time).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Predict()
    {
        using var prediction = _method.Predict(_input);
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    /// <summary>One optimisation step on a batch of 8 (training mode).</summary>
    [Benchmark]
    public void TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        _method.Network!.train();
        _optimizer.zero_grad();
        var terms = _method.Losses(_input);
        terms.Total.backward();
        _optimizer.step();
        _method.Network.eval();
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
