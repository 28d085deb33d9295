using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;

namespace AnomalyBench.Tests.Methods;

/// <summary>A training log that keeps every step and the names of the phases it was told about.</summary>
internal sealed class RecordingLog : ITrainingLog
{
    public List<(long Step, IReadOnlyDictionary<string, double> Losses, double LearningRate)> Steps { get; } = [];

    public HashSet<string> Phases { get; } = [];

    public void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate) => Steps.Add((step, losses, learningRate));

    public void Progress(string phase, long done, long total) => Phases.Add(phase);
}

/// <summary>Helpers the method tests share.</summary>
internal static class MethodTestKit
{
    /// <summary>The image scores of <paramref name="samples"/> in batches of the method's batch size, with their labels.</summary>
    public static (List<double> Scores, List<bool> Labels) PredictAll(IAnomalyMethod method, IReadOnlyList<Sample> samples, Preprocessing preprocessing)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        using var loader = new DataLoader(samples, preprocessing, Device.CPU, new LoaderOptions(BatchSize: method.Options.BatchSize));
        foreach (var batch in loader)
        {
            using var prediction = method.Predict(batch.Images);
            scores.AddRange(TensorAssert.Values(prediction.Scores));
            labels.AddRange(batch.Samples.Select(s => s.IsAnomalous));
        }
        return (scores, labels);
    }
}
