namespace AnomalyBench.Metrics;

/// <summary>
/// Pixel-level metrics over all pixels of all images of a set. Curves are down-sampled for
/// plotting (the areas come from the full curves). <see cref="Pro"/> is null when AUPRO was
/// not requested.
/// </summary>
public sealed record PixelMetricsResult(
    MetricValue Auroc,
    MetricValue AveragePrecision,
    MetricValue Aupr,
    F1MaxResult F1Max,
    IReadOnlyList<AuproResult> Aupro,
    Curve Roc,
    Curve PrecisionRecall,
    Curve? Pro,
    long NormalPixels,
    long AnomalousPixels,
    long Regions)
{
    /// <summary>The AUPRO at <paramref name="limit"/>; throws if that limit was not computed.</summary>
    public AuproResult AuproAt(double limit) =>
        Aupro.FirstOrDefault(a => a.Limit == limit)
        ?? throw new KeyNotFoundException($"AUPRO was not computed at FPR limit {limit}; computed: {string.Join(", ", Aupro.Select(a => a.Limit))}");
}
