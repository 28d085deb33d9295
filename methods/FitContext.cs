using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>
/// Where and how a method runs: the device, the run's seed (the sweep's seed always wins
/// over a paper's fixed seed), the weights store for pretrained backbones, the training log,
/// a cancellation token checked between steps (Ctrl-C stops after the current step) and, when the
/// runner asks for it, an intermediate test-set evaluation that methods with <c>eval_every</c> call.
/// </summary>
public sealed record FitContext(
    Device Device,
    ulong Seed,
    WeightsStore Weights,
    ITrainingLog Log,
    CancellationToken Cancellation = default,
    IIntermediateEvaluation? Intermediate = null)
{
    /// <summary>
    /// Throws unless this context can serve <paramref name="selection"/>: <see cref="ModelSelection.BestTestEpoch"/> evaluates
    /// the test set after every epoch, which only the runner can offer (<see cref="Intermediate"/>).
    /// </summary>
    public void CheckCanSelect(ModelSelection selection)
    {
        if (selection == ModelSelection.BestTestEpoch && Intermediate is null)
            throw new InvalidOperationException(
                "selection: best_test_epoch evaluates the test set after every epoch, and this Fit was given no test-set evaluation " +
                "(FitContext.Intermediate): run the method through the harness, or use selection: last");
    }
}

/// <summary>Receives what a method reports while it fits: one row per optimisation step (train_log.csv) and progress of its phases.</summary>
public interface ITrainingLog
{
    /// <summary>One optimisation step: each loss term by name and the learning rate.</summary>
    void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate);

    /// <summary>Progress of a named phase ("extract", "epoch 3/200", "coreset").</summary>
    void Progress(string phase, long done, long total);
}

/// <summary>A log that drops everything (tests, benchmarks).</summary>
public sealed class NullTrainingLog : ITrainingLog
{
    public static NullTrainingLog Instance { get; } = new();

    public void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate)
    {
    }

    public void Progress(string phase, long done, long total)
    {
    }
}
