namespace AnomalyBench.Metrics;

/// <summary>
/// Trapezoid area under a curve with non-decreasing x, cut off at <c>xMax</c>, as MVTec AD's
/// <c>generic_util.trapezoid(x, y, x_max)</c>: every segment that ends at or before x_max counts
/// in full; the one segment that crosses x_max counts up to x_max, with y at x_max linearly
/// interpolated between its ends; later segments count nothing.
/// Because each segment is judged on its own, a curve can be integrated in pieces (in
/// parallel) and the pieces' areas added.
/// </summary>
public static class Trapezoid
{
    /// <summary>The area contributed by the segment (x0, y0) → (x1, y1), x0 ≤ x1.</summary>
    public static double Segment(double x0, double y0, double x1, double y1, double xMax)
    {
        if (x1 <= xMax) return 0.5 * (y0 + y1) * (x1 - x0);
        if (x0 >= xMax) return 0.0;
        var yAtMax = y0 + (y1 - y0) * (xMax - x0) / (x1 - x0);
        return 0.5 * (yAtMax + y0) * (xMax - x0);
    }

    /// <summary>The area under the points (x must be non-decreasing) up to <paramref name="xMax"/>.</summary>
    public static double Area(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double xMax = double.PositiveInfinity)
    {
        if (x.Length != y.Length) throw new ArgumentException($"x has {x.Length} values but y has {y.Length}", nameof(y));
        var area = 0.0;
        for (var i = 1; i < x.Length; i++)
        {
            if (x[i] < x[i - 1]) throw new ArgumentException($"x must be non-decreasing; x[{i}] = {x[i]} < x[{i - 1}] = {x[i - 1]}", nameof(x));
            area += Segment(x[i - 1], y[i - 1], x[i], y[i], xMax);
        }
        return area;
    }
}
