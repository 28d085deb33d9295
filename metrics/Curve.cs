namespace AnomalyBench.Metrics;

/// <summary>
/// A curve for reports and plots. Image-level curves hold every point (one per distinct
/// threshold, as scikit-learn's <c>roc_curve(drop_intermediate=False)</c>); pixel-level
/// curves are down-sampled to a few hundred points (<see cref="Downsampled"/>): areas are
/// always computed on the full curve, never on these points.
/// </summary>
public sealed record Curve(string XLabel, string YLabel, IReadOnlyList<CurvePoint> Points, bool Downsampled);
