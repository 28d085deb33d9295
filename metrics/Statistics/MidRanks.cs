namespace AnomalyBench.Metrics.Statistics;

/// <summary>Mid-ranks (1-based; ties share the mean of their ranks), the building block of the fast DeLong algorithm.</summary>
internal static class MidRanks
{
    public static double[] Of(ReadOnlySpan<double> values)
    {
        var order = new int[values.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var copy = values.ToArray();
        Array.Sort(copy, order);
        var ranks = new double[values.Length];
        var start = 0;
        while (start < copy.Length)
        {
            var end = start + 1;
            while (end < copy.Length && copy[end] == copy[start]) end++;
            // Positions start..end-1 hold ranks start+1..end; their mean:
            var rank = (start + 1 + end) / 2.0;
            for (var k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }
}
