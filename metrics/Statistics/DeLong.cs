using MathNet.Numerics.Distributions;

namespace AnomalyBench.Metrics.Statistics;

/// <summary>
/// The AUROC with its DeLong variance and confidence interval: DeLong, DeLong, Clarke-Pearson, "Comparing the areas
/// under two or more correlated receiver operating characteristic curves: a nonparametric approach", Biometrics 1988,
/// computed by the mid-rank algorithm of Sun and Xu (IEEE Signal Processing Letters 2014), as R's pROC and
/// scikit-learn-compatible DeLong code do.
/// </summary>
/// <remarks>
/// With m anomalous scores X and n normal scores Y and ψ(x, y) = 1 if x &gt; y, ½ if x = y, 0 otherwise, the
/// structural components are V10(Xᵢ) = (1/n) Σⱼ ψ(Xᵢ, Yⱼ) and V01(Yⱼ) = (1/m) Σᵢ ψ(Xᵢ, Yⱼ); the AUROC is their mean and
/// Var = S10/m + S01/n with S10, S01 their sample variances (divisor m − 1, n − 1). The interval is
/// AUROC ± z₀.₉₇₅·√Var on the AUROC scale, clipped to [0, 1] (pROC's <c>ci.auc(method = "delong")</c>).
/// </remarks>
public sealed record DeLongAuroc(double Auroc, double Variance, double Lower, double Upper, double[] V10, double[] V01)
{
    /// <summary>The AUROC of <paramref name="scores"/> against <paramref name="labels"/> (1 = anomalous) with a <paramref name="level"/> interval.</summary>
    public static DeLongAuroc Compute(ReadOnlySpan<double> scores, ReadOnlySpan<byte> labels, double level = 0.95)
    {
        var (v10, v01) = StructuralComponents(scores, labels);
        var auroc = v10.Average();
        var variance = SampleVariance(v10) / v10.Length + SampleVariance(v01) / v01.Length;
        var (lower, upper) = Interval(auroc, variance, level);
        return new DeLongAuroc(auroc, variance, lower, upper, v10, v01);
    }

    /// <summary>V10 per anomalous image and V01 per normal image, in the order they appear in the input.</summary>
    public static (double[] V10, double[] V01) StructuralComponents(ReadOnlySpan<double> scores, ReadOnlySpan<byte> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}; they must have one value per image", nameof(labels));
        Validation.RequireBinary(labels, "labels");
        var positives = new List<double>();
        var negatives = new List<double>();
        for (var i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i])) throw new ArgumentException($"scores[{i}] is NaN; a method produced an invalid score", nameof(scores));
            (labels[i] == 1 ? positives : negatives).Add(scores[i]);
        }
        var (m, n) = (positives.Count, negatives.Count);
        if (m < 2 || n < 2)
            throw new ArgumentException($"the DeLong variance needs at least two anomalous and two normal images, got {m} and {n}", nameof(labels));

        // Sun & Xu: with T the mid-ranks in the pooled sample, TX within X and TY within Y,
        // V10ᵢ = (Tᵢ − TXᵢ)/n and V01ⱼ = 1 − (Tⱼ − TYⱼ)/m.
        var pooled = MidRanks.Of([.. positives, .. negatives]);
        var withinX = MidRanks.Of(positives.ToArray());
        var withinY = MidRanks.Of(negatives.ToArray());
        var v10 = new double[m];
        var v01 = new double[n];
        for (var i = 0; i < m; i++) v10[i] = (pooled[i] - withinX[i]) / n;
        for (var j = 0; j < n; j++) v01[j] = 1 - (pooled[m + j] - withinY[j]) / m;
        return (v10, v01);
    }

    /// <summary>AUROC ± z·√variance, clipped to [0, 1].</summary>
    public static (double Lower, double Upper) Interval(double auroc, double variance, double level)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "the confidence level must be in (0, 1)");
        var z = Normal.InvCDF(0, 1, 1 - (1 - level) / 2);
        var half = z * Math.Sqrt(Math.Max(variance, 0));
        return (Math.Max(0, auroc - half), Math.Min(1, auroc + half));
    }

    internal static double SampleVariance(IReadOnlyList<double> values) => Covariance(values, values);

    internal static double Covariance(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var (meanA, meanB) = (a.Average(), b.Average());
        var sum = 0.0;
        for (var i = 0; i < a.Count; i++) sum += (a[i] - meanA) * (b[i] - meanB);
        return sum / (a.Count - 1);
    }
}
