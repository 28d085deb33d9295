namespace AnomalyBench.Metrics;

/// <summary>
/// Cumulative counts above a threshold: false positives, true positives and summed PRO
/// weights (Σ 1/|region| over the region pixels). The state at the top of a piece of the
/// score walk lets that piece be accumulated on its own.
/// </summary>
internal readonly record struct CurveState(long FalsePositives, long TruePositives, double ProWeight);
