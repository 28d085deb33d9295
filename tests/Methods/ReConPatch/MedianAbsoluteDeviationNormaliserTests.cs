using AnomalyBench.Methods.ReConPatch;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.ReConPatch;

/// <summary>The ensemble's per-model score normalisation (modified z-score, β = 1.4826), by hand.</summary>
public class MedianAbsoluteDeviationNormaliserTests
{
    [Test]
    public void MedianAndMadOfAnOddAndAnEvenSetAreTheHandComputedOnes()
    {
        // 1, 2, 3, 4, 100: median 3; |deviations| 2, 1, 0, 1, 97 → sorted 0, 1, 1, 2, 97, MAD 1.
        using var odd = torch.from_array(new double[] { 4, 1, 100, 3, 2 });
        var n = MedianAbsoluteDeviationNormaliser.Fit(odd);
        Assert.That((n.Median, n.Mad, n.Beta), Is.EqualTo((3.0, 1.0, 1.4826)));
        // 1, 2, 4, 10: median (2 + 4)/2 = 3; |deviations| 2, 1, 1, 7 → MAD (1 + 2)/2 = 1.5 (numpy's averaging).
        using var even = torch.from_array(new float[] { 10, 1, 4, 2 });
        var m = MedianAbsoluteDeviationNormaliser.Fit(even);
        Assert.That((m.Median, m.Mad), Is.EqualTo((3.0, 1.5)));
    }

    [Test]
    public void ApplyIsTheModifiedZScore()
    {
        var n = new MedianAbsoluteDeviationNormaliser(Median: 3, Mad: 2);
        using var scores = torch.from_array(new double[] { 3, 5.9652, 0.0348 });
        using var normalised = n.Apply(scores);
        // (s − 3) / (1.4826·2) = (s − 3) / 2.9652.
        TensorAssert.Close(normalised, [0, 1, -1], [3], 1e-12);
    }
}
