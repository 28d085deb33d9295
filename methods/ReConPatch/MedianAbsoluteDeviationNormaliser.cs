// ReConPatch §4 "Ensemble" (Hyun et al., WACV 2024; shared/research/methods-1.md §2.7): before the models of the
// ensemble are combined, each model's scores are standardised by the modified z-score
// s̄ = (s − median(s)) / (β·MAD) with β = 1.4826, median and MAD taken over the training set. The review writes
// "mean absolute deviation"; β = 1.4826 (the normal-consistency constant) implies the median absolute deviation.
// ReConPatchModel fits one per ensemble member; ReConPatchMethod averages the normalised maps and scores.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// The modified z-score of one ensemble member, fitted on its training scores. Medians of an even count average
/// the two middle values, as numpy's <c>np.median</c> (and scipy's <c>median_abs_deviation(scale="normal")</c>) do.
/// </summary>
public sealed record MedianAbsoluteDeviationNormaliser(double Median, double Mad, double Beta = MedianAbsoluteDeviationNormaliser.NormalConsistency)
{
    /// <summary>β: for normal data β·MAD estimates the standard deviation (1 / Φ⁻¹(3/4)).</summary>
    public const double NormalConsistency = 1.4826;

    /// <summary>Median and MAD of <paramref name="trainingScores"/> (any shape, any device).</summary>
    public static MedianAbsoluteDeviationNormaliser Fit(Tensor trainingScores, double beta = NormalConsistency)
    {
        using var cpu = trainingScores.to(Device.CPU, ScalarType.Float64);
        using var flat = cpu.flatten().contiguous();
        var values = flat.data<double>();
        if (values.Length == 0) throw new ArgumentException("the normaliser needs at least one training score", nameof(trainingScores));
        var median = MedianOf(values);
        var mad = MedianOf(values.Select(v => Math.Abs(v - median)).ToArray());
        return new MedianAbsoluteDeviationNormaliser(median, mad, beta);
    }

    /// <summary>(s − median) / (β·MAD), a new tensor of the input's shape and type. A MAD of 0 divides by the smallest positive double instead.</summary>
    public Tensor Apply(Tensor scores)
    {
        var scale = Beta * Mad;
        if (!(scale > 0)) scale = double.Epsilon;
        using var centred = scores - Median;
        return centred / scale;
    }

    private static double MedianOf(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
