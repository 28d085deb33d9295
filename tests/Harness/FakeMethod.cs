using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Torch;

namespace AnomalyBench.Tests.Harness;

/// <summary>A method for runner tests: scores each image by its mean pixel value, so results are known.</summary>
public sealed record FakeOptions : MethodOptions
{
    public double Gain { get; init; } = 1;
    public string Backbone { get; init; } = "none";
    public IReadOnlyList<string> Layers { get; init; } = ["layer2", "layer3"];
    public bool FailOnFit { get; init; }

    /// <summary>Asks the runner for an intermediate evaluation after every n-th of two "epochs" (0: never).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Milliseconds Fit takes (to hold a run lock in concurrency tests).</summary>
    public int FitMilliseconds { get; init; }

    /// <summary>Rescore with test-set statistics (<see cref="ITestSetScoring"/>): each score becomes its rank among the test scores.</summary>
    public bool TestSetRanks { get; init; }

    /// <summary>The gain of the maps after each "epoch" (default: <see cref="Gain"/> for two epochs); −1 inverts the pixel ranking.</summary>
    public IReadOnlyList<double> EpochMapGains { get; init; } = [];

    /// <summary>The sign of the image scores after each "epoch" (default: +1); −1 inverts the image ranking.</summary>
    public IReadOnlyList<double> EpochScoreSigns { get; init; } = [];
}

/// <param name="restoresBestEpoch">under selection: best_test_epoch, end with the "epoch" of the best image AUROC (as SSM does).</param>
public sealed class FakeMethod(FakeOptions options, bool restoresBestEpoch = false) : IAnomalyMethod, ITestSetScoring
{
    private (double Map, double Score) _state = (options.Gain, 1);

    public MethodOptions Options => options;

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        if (options.FailOnFit) throw new InvalidDataException("fake failure while fitting");
        context.CheckCanSelect(options.Selection);
        if (options.FitMilliseconds > 0) Thread.Sleep(options.FitMilliseconds);
        var epochs = Math.Max(2, Math.Max(options.EpochMapGains.Count, options.EpochScoreSigns.Count));
        var (best, bestAuroc) = (_state, double.NegativeInfinity);
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            _state = (options.EpochMapGains.ElementAtOrDefault(epoch - 1) is var g && g != 0 ? g : options.Gain,
                options.EpochScoreSigns.ElementAtOrDefault(epoch - 1) is var sign && sign != 0 ? sign : 1);
            context.Log.Step(epoch, new Dictionary<string, double> { ["loss"] = 0.5 / epoch }, 0.1);
            var selecting = options.Selection == ModelSelection.BestTestEpoch;
            if (!selecting && !(options.EvalEvery > 0 && epoch % options.EvalEvery == 0)) continue;
            var metrics = context.Intermediate!.Evaluate(this, $"epoch {epoch}");
            if (selecting && metrics["image_auroc"] is { } auroc && auroc > bestAuroc) (best, bestAuroc) = (_state, auroc);
        }
        if (restoresBestEpoch && options.Selection == ModelSelection.BestTestEpoch) _state = best;
    }

    public Prediction Predict(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var mean = images.mean([1]);
        var maps = mean.mul(_state.Map);
        // The image ranking follows the sign alone, the pixel ranking the map gain's: the two can be inverted apart.
        var scores = mean.amax([1, 2]).mul(Math.Abs(_state.Map) * _state.Score);
        return new Prediction(maps.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope(), scores.unsqueeze(1));
    }

    public bool UsesTestSetStatistics => options.TestSetRanks;

    public string TestSetProtocol => "transductive: rank among the test scores (fake)";

    public float[] Rescore(IReadOnlyList<float[]> parts)
    {
        var order = parts.Select(p => p[0]).ToArray();
        return order.Select(v => (float)order.Count(o => o < v)).ToArray();
    }

    public void Save(string path)
    {
        using var state = new StateDict();
        state.Add("gain", torch.tensor(options.Gain));
        MethodCheckpoint.Save(path, "fake", options, state);
    }

    public void Load(string path) => MethodCheckpoint.Load(path, "fake").Dispose();

    public void Dispose()
    {
    }

    public static MethodInfo Info { get; } = new(
        "fake", "Fake", "Scores images by their mean value (tests only).", typeof(FakeOptions),
        profile => profile == Profile.Quick ? new FakeOptions { Gain = 2, Preprocessing = new Preprocessing(64) } : new FakeOptions(),
        o => new FakeMethod((FakeOptions)o),
        SupportsUnified: false);

    public static MethodRegistry Registry { get; } = new([Info]);

    /// <summary>
    /// <see cref="Info"/> and two fakes that offer <c>selection: best_test_epoch</c>: <c>fake_per_metric</c> (CFA's rule) and
    /// <c>fake_best_epoch</c> (SSM's: it restores the epoch of the best image AUROC).
    /// </summary>
    public static MethodRegistry SelectionRegistry { get; } = new([
        Info,
        Info with { Key = "fake_per_metric", PublishedSelection = TestSetSelectionRule.BestValuePerMetric },
        Info with { Key = "fake_best_epoch", PublishedSelection = TestSetSelectionRule.EpochOfBestImageAuroc, Create = o => new FakeMethod((FakeOptions)o, restoresBestEpoch: true) },
    ]);
}
