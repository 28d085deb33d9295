namespace AnomalyBench.Methods;

/// <summary>
/// Test-set evaluation of a model while it is being fitted (a method's <c>eval_every</c>), for inspection of the
/// training curve only. The runner records what it measures in the run's metrics.json, labelled as intermediate;
/// the reported metrics are always the final model's, and no method may choose an epoch from these numbers
/// (CFA's and SSM's official trainers select on the test set, which inflates their tables).
/// </summary>
public interface IIntermediateEvaluation
{
    /// <summary>Predicts the test set with <paramref name="method"/> as it is now and records the metrics under <paramref name="point"/> ("epoch 5").</summary>
    void Evaluate(IAnomalyMethod method, string point);
}
