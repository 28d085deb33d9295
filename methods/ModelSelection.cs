namespace AnomalyBench.Methods;

/// <summary>
/// Which model, or which numbers, a run reports (<c>selection:</c> of a method entry). <see cref="Last"/> is the only
/// protocol that keeps the test set out of every choice and is the default. <see cref="BestTestEpoch"/> reproduces the
/// published protocol of a method whose official trainer evaluates the test set after every epoch and keeps what scored
/// best (<see cref="TestSetSelectionRule"/>): its numbers are upper bounds, marked as test-set selected in every table
/// and never ranked or tested against rows selected without the test set.
/// </summary>
public enum ModelSelection
{
    /// <summary>The model as training left it (or as a method's own hold-out of training images chose it).</summary>
    Last,

    /// <summary>The official trainer's choice on the test set, after every epoch (CFA, SSM).</summary>
    BestTestEpoch,
}

/// <summary>How a method's official trainer uses the per-epoch test-set evaluation.</summary>
public enum TestSetSelectionRule
{
    /// <summary>
    /// Each metric's best value over the epochs, each possibly from a different epoch (CFA's trainer_cfa.py keeps best
    /// I-AUROC, P-AUROC and PRO separately): no single model has these numbers.
    /// </summary>
    BestValuePerMetric,

    /// <summary>
    /// The model of the epoch with the best test image AUROC (SSM's train.py saves a checkpoint whenever it improves; test.py
    /// loads it): every metric is that model's.
    /// </summary>
    EpochOfBestImageAuroc,
}
