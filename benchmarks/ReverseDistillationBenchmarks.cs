using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Rd4ad;
using AnomalyBench.Methods.ReContrast;
using AnomalyBench.Methods.ReverseDistillation;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using BenchmarkDotNet.Attributes;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// RD4AD's and ReContrast's cost at the paper setting (Wide-ResNet-50-2, 256×256, batch 16) and the quick profile
/// (ResNet-18 with its official OCBE and de_resnet18, 64×64, batch 8):
/// <list type="bullet">
/// <item><c>TrainStep</c>: one optimisation step — RD4AD: frozen teacher, OCBE + decoder forward and backward, global
/// cosine, Adam; ReContrast: both encoders, OCBE + two-headed decoder on the 2B batch, hard-mined loss, both AdamW.
/// Seconds per iteration; an RD4AD epoch of an MVTec category of 209 images is 14 steps.</item>
/// <item><c>Predict</c>: the steps of <c>Predict</c> (forward, six or three 1 − cos maps, upsampling, σ = 4 smoothing,
/// image max) on one batch of the profile's size; divide the time by the batch for the time per image.</item>
/// </list>
/// Random weights (seed 0): the cost does not depend on them.
/// </summary>
[MemoryDiagnoser]
public class ReverseDistillationBenchmarks
{
    private Module _model = null!;
    private Func<Tensor, (IReadOnlyList<Tensor> Targets, IReadOnlyList<Tensor> Predictions)> _forward = null!;
    private Func<(IReadOnlyList<Tensor> Targets, IReadOnlyList<Tensor> Predictions), Tensor> _loss = null!;
    private readonly List<Optimizer> _optimizers = [];
    private Tensor _input = null!;
    private Device _device;

    public static IEnumerable<string> Devices() => torch.cuda.is_available() ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [Params("rd4ad", "recontrast")]
    public string Method { get; set; } = "rd4ad";

    [Params("paper", "quick")]
    public string Profile { get; set; } = "paper";

    /// <summary>Images per training step and per predicted batch: the profile's batch size.</summary>
    public int Batch { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = AnomalyBench.Torch.Device.Parse(Device);
        var profile = Profile == "paper" ? Methods.Profile.Paper : Methods.Profile.Quick;
        var store = WeightsStore.FromEnvironment();
        var levels = ReverseDistillationArchitecture.Levels;
        int size;
        if (Method == "rd4ad")
        {
            var o = Rd4adOptions.Defaults(profile);
            (size, Batch) = (o.Preprocessing.OutputSize, o.BatchSize);
            var teacher = FeatureExtractor.Create(store, o.Backbone, levels, WeightsSource.Random(0));
            var architecture = ReverseDistillationArchitecture.For(o.Backbone);
            var rd = new Rd4adParts(teacher, new OneClassBottleneck(architecture), new ReverseDistillationDecoder(architecture)).to(_device);
            _model = rd;
            _forward = x =>
            {
                var maps = rd.teacher.call(x);
                IReadOnlyList<Tensor> targets = [maps[0], maps[1], maps[2]];
                return (targets, rd.decoder.call(rd.bottleneck.call(targets)));
            };
            _loss = p => CosineLoss.Global(p.Targets, p.Predictions);
            _optimizers.Add(new Adam(rd.decoder.parameters().Concat(rd.bottleneck.parameters()), lr: o.LearningRate, beta1: o.Beta1, beta2: o.Beta2));
        }
        else
        {
            var o = ReContrastOptions.Defaults(profile);
            (size, Batch) = (o.Preprocessing.OutputSize, o.BatchSize);
            var network = new ReContrastNetwork(o.Backbone,
                new FeatureExtractor(store.Create(o.Backbone, WeightsSource.Random(0)), levels, trainable: true),
                FeatureExtractor.Create(store, o.Backbone, levels, WeightsSource.Random(0))).to(_device);
            _model = network;
            _forward = network.call;
            _loss = p => CosineLoss.GlobalHardMined(p.Targets.Take(3).ToList(), p.Predictions.Take(3).ToList(), 1, 0) * 0.5
                         + CosineLoss.GlobalHardMined(p.Targets.Skip(3).ToList(), p.Predictions.Skip(3).ToList(), 1, 0) * 0.5;
            _optimizers.Add(new AdamW(network.reconstruction_parameters(), lr: o.DecoderLearningRate, weight_decay: o.WeightDecay));
            _optimizers.Add(new AdamW(network.encoder.parameters(), lr: o.EncoderLearningRate, weight_decay: o.WeightDecay));
        }
        _input = torch.randn([Batch, 3, size, size], device: _device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        foreach (var o in _optimizers) o.Dispose();
        _optimizers.Clear();
        _model.Dispose();
    }

    /// <summary>One optimisation step on a batch of the profile's size (seconds per iteration).</summary>
    [Benchmark]
    public void TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        _model.train();
        var loss = _loss(_forward(_input));
        foreach (var o in _optimizers) o.zero_grad();
        loss.backward();
        foreach (var o in _optimizers) o.step();
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    /// <summary>One predicted batch; divide the time by the batch size for the time per image.</summary>
    [Benchmark]
    public void Predict()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _model.eval();
        var (targets, predictions) = _forward(_input);
        var maps = AnomalyMap.Distances(targets, predictions, _input.size(2), _input.size(3), MapFusion.Sum);
        AnomalyMap.Scores(AnomalyMap.Smooth(maps, MapSmoothing.Scipy, 4), ImageScore.Max);
        if (_device.Type == DeviceType.CUDA) torch.cuda.synchronize();
    }

    /// <summary>RD4AD's three modules under one owner, so that one <c>to</c>/<c>train</c>/<c>Dispose</c> covers them.</summary>
    private sealed class Rd4adParts : Module
    {
        public Rd4adParts(FeatureExtractor teacher, OneClassBottleneck bottleneck, ReverseDistillationDecoder decoder)
        {
            this.teacher = teacher;
            this.bottleneck = bottleneck;
            this.decoder = decoder;
            register_module("teacher", teacher);
            register_module("bottleneck", bottleneck);
            register_module("decoder", decoder);
        }

        public FeatureExtractor teacher { get; }
        public OneClassBottleneck bottleneck { get; }
        public ReverseDistillationDecoder decoder { get; }
    }
}
