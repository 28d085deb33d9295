namespace AnomalyBench.Methods;

/// <summary>
/// Test-set evaluation of a model while it is being fitted. Two uses, and only two: a method's <c>eval_every</c>, which
/// records the training curve (labelled as intermediate in metrics.json; the reported metrics stay the final model's),
/// and <c>selection: best_test_epoch</c>, the published protocol of CFA and SSM, whose official trainers evaluate the test
/// set after every epoch and keep what scored best (<see cref="TestSetSelectionRule"/>). No method may consult these
/// numbers otherwise.
/// </summary>
public interface IIntermediateEvaluation
{
    /// <summary>
    /// Predicts the test set with <paramref name="method"/> as it is now, records the metrics under <paramref name="point"/>
    /// ("epoch 5") and returns each metric's mean over the job's categories (null where undefined).
    /// </summary>
    IReadOnlyDictionary<string, double?> Evaluate(IAnomalyMethod method, string point);
}
