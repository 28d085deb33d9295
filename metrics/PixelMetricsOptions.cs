namespace AnomalyBench.Metrics;

/// <summary>Settings of <see cref="PixelMetrics.Compute"/>. The defaults are the MVTec AD protocol.</summary>
public sealed record PixelMetricsOptions
{
    /// <summary>FPR limits to integrate the PRO curve to, each in (0, 1]. MVTec AD uses 0.3.</summary>
    public IReadOnlyList<double> AuproLimits { get; init; } = [0.3, 0.05];

    public AuproMode Aupro { get; init; } = AuproMode.Exact;

    /// <summary>
    /// Also compute RD4AD's and ReContrast's per-image AUPRO (<see cref="PerImageAupro"/>, key
    /// <c>aupro_per_image_0.3</c>), for comparison with those papers only; off by default.
    /// </summary>
    public bool PerImageAupro { get; init; }

    /// <summary>Number of thresholds of <see cref="AuproMode.Quantile"/>.</summary>
    public int QuantileThresholds { get; init; } = 1000;

    /// <summary>Ground-truth region neighbourhood; MVTec AD's evaluation uses 8.</summary>
    public Connectivity Connectivity { get; init; } = Connectivity.Eight;

    /// <summary>Grid cells per axis for down-sampling the returned curves (about 2× this many points); 0 returns every point.</summary>
    public int CurveCells { get; init; } = 200;

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Upper bound on the sort buffer (8 bytes per pixel). Above it the pixels are ordered in
    /// chunks of the score range, each re-reading the inputs: slower, but bounded memory.
    /// </summary>
    public long MaxSortBufferBytes { get; init; } = long.MaxValue;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(AuproLimits, nameof(AuproLimits));
        foreach (var limit in AuproLimits)
            if (!(limit > 0 && limit <= 1))
                throw new ArgumentOutOfRangeException(nameof(AuproLimits), limit, "every AUPRO FPR limit must lie in (0, 1]");
        if (!Enum.IsDefined(Aupro)) throw new ArgumentOutOfRangeException(nameof(Aupro), Aupro, "unknown AUPRO mode");
        if (QuantileThresholds < 2) throw new ArgumentOutOfRangeException(nameof(QuantileThresholds), QuantileThresholds, "at least 2 thresholds");
        if (Connectivity is not (Connectivity.Four or Connectivity.Eight))
            throw new ArgumentOutOfRangeException(nameof(Connectivity), Connectivity, "connectivity must be Four or Eight");
        ArgumentOutOfRangeException.ThrowIfNegative(CurveCells);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSortBufferBytes, 8);
    }
}
