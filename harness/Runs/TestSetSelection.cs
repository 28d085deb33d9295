using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// What metrics.json records of a run with <c>selection: best_test_epoch</c>: the official trainer's rule, which evaluation
/// each reported metric came from, and the metrics of the model as training left it, so that the honest number stands beside
/// the published protocol's. Tables mark such runs as test-set selected and keep them out of rankings and paired tests.
/// </summary>
/// <param name="Rule">The rule, snake_case: <c>best_value_per_metric</c> (CFA) or <c>epoch_of_best_image_auroc</c> (SSM).</param>
/// <param name="Note">What the rule did, in words.</param>
/// <param name="Chosen">Metric → the evaluation its reported value came from ("epoch 7").</param>
/// <param name="LastEpochMetrics">The metrics of the model after the last epoch, selected on nothing.</param>
public sealed record TestSetSelection(
    string Rule,
    string Note,
    IReadOnlyDictionary<string, string> Chosen,
    IReadOnlyDictionary<string, double?> LastEpochMetrics)
{
    /// <summary>The selection's value in tables (<c>selection</c> columns); runs without one are <c>last</c>.</summary>
    public const string TableValue = "best_test_epoch";

    /// <summary>
    /// The run's reported metrics and their record, from the final evaluation <paramref name="final"/> and the evaluations
    /// after every epoch <paramref name="epochs"/> (in order; the last is the last epoch's).
    /// <see cref="TestSetSelectionRule.BestValuePerMetric"/>: each metric's maximum over the epochs (the final model is the
    /// last epoch's, so its values are among them). <see cref="TestSetSelectionRule.EpochOfBestImageAuroc"/>: the method
    /// has already restored that epoch's model, so <paramref name="final"/> is its evaluation; the record names the epoch
    /// (the first of the highest image AUROC, as a strict-improvement checkpoint keeps) and the last epoch's metrics. The
    /// method chose on what it was shown, <paramref name="jobEpochs"/> (the means over a unified job's categories; the
    /// category's own values otherwise), so the epoch is read from those.
    /// </summary>
    public static (IReadOnlyDictionary<string, double?> Reported, TestSetSelection Selection) Apply(
        TestSetSelectionRule rule, IReadOnlyDictionary<string, double?> final, IReadOnlyList<IntermediatePoint> epochs,
        IReadOnlyList<IntermediatePoint> jobEpochs)
    {
        if (epochs.Count == 0)
            throw new InvalidOperationException("selection: best_test_epoch needs the test-set evaluation after every epoch, and the method made none (0 epochs?)");
        switch (rule)
        {
            case TestSetSelectionRule.BestValuePerMetric:
            {
                var reported = new Dictionary<string, double?>(StringComparer.Ordinal);
                var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in final)
                {
                    var best = epochs.Where(p => p.Metrics.GetValueOrDefault(key) is not null)
                        .Select((p, i) => (p.After, Value: p.Metrics[key]!.Value, i))
                        .OrderByDescending(p => p.Value).ThenBy(p => p.i).FirstOrDefault();
                    reported[key] = best.After is null ? value : best.Value;
                    if (best.After is not null) chosen[key] = best.After;
                }
                return (reported, new TestSetSelection("best_value_per_metric",
                    "each metric is its best value over the per-epoch test-set evaluations, possibly each from a different epoch " +
                    "(official CFA trainer_cfa.py); no single model has these numbers", chosen, final));
            }
            case TestSetSelectionRule.EpochOfBestImageAuroc:
            {
                var kept = jobEpochs.Select((p, i) => (p, i)).Where(x => x.p.Metrics.GetValueOrDefault("image_auroc") is not null)
                    .OrderByDescending(x => x.p.Metrics["image_auroc"]!.Value).ThenBy(x => x.i).Select(x => x.p.After).FirstOrDefault()
                    ?? epochs[0].After;
                return (final, new TestSetSelection("epoch_of_best_image_auroc",
                    $"the model of the epoch with the best test-set image AUROC ({kept}), as the official SSM train.py checkpoints it; " +
                    "every metric is that model's", final.Keys.ToDictionary(k => k, _ => kept, StringComparer.Ordinal), epochs[^1].Metrics));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown test-set selection rule");
        }
    }
}
