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
}

public sealed class FakeMethod(FakeOptions options) : IAnomalyMethod, ITestSetScoring
{
    public MethodOptions Options => options;

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        if (options.FailOnFit) throw new InvalidDataException("fake failure while fitting");
        if (options.FitMilliseconds > 0) Thread.Sleep(options.FitMilliseconds);
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            context.Log.Step(epoch, new Dictionary<string, double> { ["loss"] = 0.5 / epoch }, 0.1);
            if (options.EvalEvery > 0 && epoch % options.EvalEvery == 0) context.Intermediate?.Evaluate(this, $"epoch {epoch}");
        }
    }

    public Prediction Predict(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var maps = images.mean([1]).mul(options.Gain);
        var scores = maps.amax([1, 2]);
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
}
