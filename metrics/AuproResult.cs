namespace AnomalyBench.Metrics;

/// <summary>
/// AUPRO up to one FPR limit, normalised by the limit (a perfect detector scores 1).
/// <see cref="Approximate"/> is true for the quantile-threshold method, whose
/// <see cref="Method"/> says how many thresholds it used.
/// </summary>
public sealed record AuproResult(double Limit, MetricValue Value, bool Approximate, string Method);
