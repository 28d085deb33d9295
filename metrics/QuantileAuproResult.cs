namespace AnomalyBench.Metrics;

/// <summary>The approximate AUPRO of <see cref="QuantileAupro"/>: one value per limit (each marked approximate) and its PRO curve.</summary>
public sealed record QuantileAuproResult(IReadOnlyList<AuproResult> Values, Curve Curve, long Regions, int Thresholds);
