using AnomalyBench.Datasets;
using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Runs;

/// <summary>The test-set metrics of a model at one point of its training (<see cref="After"/>: "epoch 5").</summary>
public sealed record IntermediatePoint(string After, IReadOnlyDictionary<string, double?> Metrics);

/// <summary>
/// A run's intermediate test-set metrics (a method's <c>eval_every</c>), as metrics.json carries them: labelled by
/// <see cref="Note"/> so that nobody mistakes them for results. Tables never read them.
/// </summary>
public sealed record IntermediateTestMetrics(string Note, IReadOnlyList<IntermediatePoint> Points)
{
    public const string Label =
        "test-set metrics of the model during training (eval_every), for the training curve only: " +
        "the run's metrics are the final model's and no epoch was selected on these";

    public const string SelectionLabel =
        "test-set metrics after every epoch, from which selection: best_test_epoch took the run's metrics (the official " +
        "trainer's protocol): they are selected on the test set; selection.last_epoch_metrics holds the last epoch's";
}

/// <summary>
/// The runner's side of <see cref="IIntermediateEvaluation"/>: evaluates every category of a training job with the
/// model as it is at that point of training and keeps the metrics per category. The time it takes is kept apart so
/// that the run's fit seconds stay the cost of fitting alone.
/// </summary>
internal sealed class IntermediateEvaluation(
    TestSetEvaluation evaluation,
    IReadOnlyList<DatasetCategory> categories,
    MethodOptions options,
    string dataset,
    ISweepProgress progress,
    CancellationToken cancellation) : IIntermediateEvaluation
{
    private readonly Dictionary<string, List<IntermediatePoint>> _points = new(StringComparer.Ordinal);
    private readonly List<IntermediatePoint> _means = [];

    /// <summary>Seconds spent in intermediate evaluations.</summary>
    public double Seconds { get; private set; }

    public IReadOnlyDictionary<string, double?> Evaluate(IAnomalyMethod method, string point)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var measured = new List<IReadOnlyDictionary<string, double?>>();
        foreach (var category in categories)
        {
            progress.Phase($"test set after {point}: {category.Name}", 0, 1);
            var scored = evaluation.Run(category, method, options, cancellation, measureCost: false);
            var (metrics, _) = TestSetEvaluation.MetricsOf(scored.Evaluation, category, dataset);
            if (!_points.TryGetValue(category.Name, out var list)) _points[category.Name] = list = [];
            list.Add(new IntermediatePoint(point, metrics));
            measured.Add(metrics);
        }
        Seconds += clock.Elapsed.TotalSeconds;
        // A metric undefined in one category (no pixel masks) has no mean over the job's categories.
        var means = measured.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal).ToDictionary(
            key => key,
            key => measured.All(m => m.GetValueOrDefault(key) is not null) ? measured.Average(m => m[key]!.Value) : (double?)null,
            StringComparer.Ordinal);
        _means.Add(new IntermediatePoint(point, means));
        return means;
    }

    /// <summary>What <see cref="Evaluate"/> returned at each point, in order: what a method that selects on them saw.</summary>
    public IReadOnlyList<IntermediatePoint> JobPoints => _means;

    /// <summary>The points of <paramref name="category"/> in order (empty when nothing was evaluated).</summary>
    public IReadOnlyList<IntermediatePoint> Points(string category) => _points.GetValueOrDefault(category) ?? [];

    /// <summary>What metrics.json of <paramref name="category"/> records, or null when nothing was evaluated.</summary>
    public IntermediateTestMetrics? For(string category, bool selected) =>
        _points.TryGetValue(category, out var list) && list.Count > 0
            ? new IntermediateTestMetrics(selected ? IntermediateTestMetrics.SelectionLabel : IntermediateTestMetrics.Label, list)
            : null;
}
