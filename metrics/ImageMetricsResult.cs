namespace AnomalyBench.Metrics;

/// <summary>
/// Image-level metrics of image scores against image labels. The curves hold every point
/// (one per distinct score). <see cref="Aupr"/> is the trapezoid area under the PR points
/// (anomalib's AUPR); <see cref="AveragePrecision"/> is the stepwise AP of scikit-learn.
/// </summary>
public sealed record ImageMetricsResult(
    MetricValue Auroc,
    MetricValue AveragePrecision,
    MetricValue Aupr,
    F1MaxResult F1Max,
    Curve Roc,
    Curve PrecisionRecall,
    int Normal,
    int Anomalous);
