namespace AnomalyBench.Tests.Datasets;

/// <summary>Image-level AUROC by the Mann–Whitney statistic (ties count one half), for checks on generated data.</summary>
internal static class Auroc
{
    public static double Of(IReadOnlyList<double> scores, IReadOnlyList<bool> anomalous)
    {
        double sum = 0, positives = 0, negatives = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            if (!anomalous[i]) continue;
            positives++;
            for (var j = 0; j < scores.Count; j++)
            {
                if (anomalous[j]) continue;
                sum += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        negatives = anomalous.Count(a => !a);
        return sum / (positives * negatives);
    }
}
