namespace AnomalyBench.Metrics;

/// <summary>
/// P-AUROC, pixel AP, AUPR, F1-max and AUPRO over all pixels of all images together, exact
/// (one threshold per distinct score; never thresholds spaced linearly between min and max,
/// which bias AUPRO low by up to ~20 points on heavy-tailed maps). One shared score ordering
/// serves every metric; see <see cref="SortedPixelWalk"/> for its cost.
/// </summary>
public static class PixelMetrics
{
    public static PixelMetricsResult Compute(PixelSet set, PixelMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        options ??= new PixelMetricsOptions();
        options.Validate();
        set.Validate(options.MaxDegreeOfParallelism);

        var limits = options.AuproLimits.ToArray();
        var exact = options.Aupro == AuproMode.Exact;
        var walk = SortedPixelWalk.Run(set, exact, options.Connectivity, exact ? limits : [], options.CurveCells,
            options.MaxDegreeOfParallelism, Math.Max(1, options.MaxSortBufferBytes / sizeof(ulong)));
        var summary = walk.Summary;
        var totals = walk.Totals;

        IReadOnlyList<AuproResult> aupro = [];
        var proCurve = summary.Pro;
        var regions = totals.Regions;
        switch (options.Aupro)
        {
            case AuproMode.Exact:
                aupro = [.. limits.Select((l, i) => new AuproResult(l, summary.Aupro[i], false, "exact (MVTec AD: one threshold per distinct score)"))];
                break;
            case AuproMode.Quantile:
                var quantile = QuantileAupro.Compute(set, limits, options.QuantileThresholds, options.Connectivity, options.CurveCells, options.MaxDegreeOfParallelism);
                aupro = quantile.Values;
                proCurve = quantile.Curve;
                regions = quantile.Regions;
                break;
        }

        return new PixelMetricsResult(summary.Auroc, summary.AveragePrecision, summary.Aupr, summary.F1Max, aupro,
            summary.Roc, summary.PrecisionRecall, proCurve, totals.Negatives, totals.Positives, regions);
    }
}
