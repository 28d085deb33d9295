namespace AnomalyBench.Metrics;

/// <summary>
/// The largest F1 over all thresholds (every distinct score, as the points of scikit-learn's
/// <c>precision_recall_curve</c>) and where it is reached. When several thresholds reach the
/// same F1, the highest threshold is reported.
/// </summary>
public sealed record F1MaxResult(MetricValue Value, float Threshold, double Precision, double Recall);
