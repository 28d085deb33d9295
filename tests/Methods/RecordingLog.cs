using AnomalyBench.Methods;

namespace AnomalyBench.Tests.Methods;

/// <summary>A training log that keeps every step (losses by name, learning rate) and the names of the phases reported.</summary>
internal sealed class RecordingLog : ITrainingLog
{
    public List<(long Step, IReadOnlyDictionary<string, double> Losses, double LearningRate)> Steps { get; } = [];

    public HashSet<string> Phases { get; } = [];

    public void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate) => Steps.Add((step, losses, learningRate));

    public void Progress(string phase, long done, long total) => Phases.Add(phase);
}
