namespace AnomalyBench.Metrics;

/// <summary>All metrics of one walk over a scored set.</summary>
internal sealed record CurveSummary(
    MetricValue Auroc,
    MetricValue AveragePrecision,
    MetricValue Aupr,
    F1MaxResult F1Max,
    MetricValue[] Aupro,
    Curve Roc,
    Curve PrecisionRecall,
    Curve? Pro);
