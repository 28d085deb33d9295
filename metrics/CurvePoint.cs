namespace AnomalyBench.Metrics;

/// <summary>
/// One point of a ROC, precision-recall or PRO curve: the rates obtained when every
/// score ≥ <see cref="Threshold"/> is called anomalous. The curves' starting points
/// ((0,0) for ROC and PRO, recall 0 / precision 1 for PR) have threshold +∞.
/// </summary>
public readonly record struct CurvePoint(double X, double Y, float Threshold);
