using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using Provenance = AnomalyBench.Methods.Backbones.WeightsProvenance;

namespace AnomalyBench.Tests.Harness;

/// <summary>The options of <see cref="FakeBackboneMethod"/>: a backbone and its <c>weights:</c>, checked as real methods check them.</summary>
public sealed record FakeBackboneOptions : MethodOptions, IBackboneOptions
{
    public string Backbone { get; init; } = CntkResNet18.Backbone;

    public string Weights { get; init; } = "auto";

    public override void Validate()
    {
        base.Validate();
        WeightsSource.Validate(Weights, [Backbone]);
    }
}

/// <summary>
/// <see cref="FakeMethod"/>'s known scores on a backbone that is resolved as real methods resolve it
/// (<see cref="WeightsSource.Resolve"/>) and recorded with real provenance, without building a network: runs on the
/// store's file, the packaged CNTK network or random weights, cheaply.
/// </summary>
public sealed class FakeBackboneMethod(FakeBackboneOptions options) : IAnomalyMethod
{
    private readonly FakeMethod _scores = new(new FakeOptions { Preprocessing = options.Preprocessing, BatchSize = options.BatchSize });
    private Provenance? _provenance;

    public MethodOptions Options => options;

    public string WeightsProvenance => _provenance?.ToString() ?? "none (not fitted)";

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        var backbone = options.Backbone;
        var source = WeightsSource.Resolve(options.Weights, context.Weights, backbone, context.Seed);
        _provenance = source.IsRandom ? Provenance.Random(backbone, source.Seed)
            : source.IsCntk ? Provenance.FromPackage(backbone, Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.ModelFile),
                CntkResNet18.ModelSha256, $"{CntkResNet18.Package} {CntkResNet18.Version}")
            : Provenance.FromFile(backbone,
                context.Weights.Find(backbone) ?? throw new InvalidOperationException($"no {backbone} file in {context.Weights.Folder}"), "0000");
        _scores.Fit(train, context);
    }

    public Prediction Predict(Tensor images) => _scores.Predict(images);

    public void Save(string path)
    {
        using var state = new StateDict();
        state.Add("gain", torch.tensor(1.0));
        MethodCheckpoint.Save(path, Info.Key, options, state);
    }

    public void Load(string path) => MethodCheckpoint.Load(path, Info.Key).Dispose();

    public void Dispose() => _scores.Dispose();

    public static MethodInfo Info { get; } = new(
        "fakenet", "FakeNet", "FakeMethod's scores on a resolved backbone (tests only).", typeof(FakeBackboneOptions),
        _ => new FakeBackboneOptions { Preprocessing = new Preprocessing(64) },
        o => new FakeBackboneMethod((FakeBackboneOptions)o),
        SupportsUnified: false);

    /// <summary>The fake method and this one.</summary>
    public static MethodRegistry Registry { get; } = new([FakeMethod.Info, Info]);
}
