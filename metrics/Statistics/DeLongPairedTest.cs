using MathNet.Numerics.Distributions;

namespace AnomalyBench.Metrics.Statistics;

/// <summary>
/// DeLong's test of two correlated AUROCs, two methods scored on the same images (DeLong et al. 1988, §3; pROC's
/// <c>roc.test(method = "delong", paired = TRUE)</c>): z = (A − B) / √(Var A + Var B − 2 Cov(A, B)), with the
/// covariances of the two methods' structural components; p two-sided. Identical scores give a zero difference and
/// a zero variance: p = 1 by definition, not NaN.
/// </summary>
public sealed record DeLongPairedTest(double AurocA, double AurocB, double Z, double P)
{
    public double Difference => AurocA - AurocB;

    public static DeLongPairedTest Compute(ReadOnlySpan<double> scoresA, ReadOnlySpan<double> scoresB, ReadOnlySpan<byte> labels)
    {
        if (scoresA.Length != scoresB.Length)
            throw new ArgumentException($"the two methods scored {scoresA.Length} and {scoresB.Length} images; a paired test needs the same images", nameof(scoresB));
        var (a10, a01) = DeLongAuroc.StructuralComponents(scoresA, labels);
        var (b10, b01) = DeLongAuroc.StructuralComponents(scoresB, labels);
        var (m, n) = (a10.Length, a01.Length);
        var aurocA = a10.Average();
        var aurocB = b10.Average();
        var varA = DeLongAuroc.SampleVariance(a10) / m + DeLongAuroc.SampleVariance(a01) / n;
        var varB = DeLongAuroc.SampleVariance(b10) / m + DeLongAuroc.SampleVariance(b01) / n;
        var cov = DeLongAuroc.Covariance(a10, b10) / m + DeLongAuroc.Covariance(a01, b01) / n;
        var varDifference = varA + varB - 2 * cov;
        var difference = aurocA - aurocB;
        // Below rounding noise the two curves are the same: no evidence of a difference.
        if (varDifference <= 1e-15 * Math.Max(1, varA + varB))
            return new DeLongPairedTest(aurocA, aurocB, 0, difference == 0 ? 1 : 0);
        var z = difference / Math.Sqrt(varDifference);
        return new DeLongPairedTest(aurocA, aurocB, z, 2 * (1 - Normal.CDF(0, 1, Math.Abs(z))));
    }
}
