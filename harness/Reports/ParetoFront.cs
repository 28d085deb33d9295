namespace AnomalyBench.Harness.Reports;

/// <summary>The items no other item beats on both criteria (larger is better on each): the accuracy–throughput trade-offs worth choosing.</summary>
public static class ParetoFront
{
    public static IReadOnlyList<T> Of<T>(IReadOnlyList<T> items, Func<T, double> x, Func<T, double> y) =>
        items.Where(a => !items.Any(b => x(b) >= x(a) && y(b) >= y(a) && (x(b) > x(a) || y(b) > y(a)))).ToList();
}
