using System.Globalization;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>
/// A numeric axis: its label, its range (widened to nice tick values), its ticks and, for a logarithmic axis,
/// decades. <see cref="Fraction"/> places a value along it (0 at <see cref="Min"/>, 1 at <see cref="Max"/>).
/// </summary>
public sealed record Axis(string Label, double Min, double Max, bool Log, IReadOnlyList<double> Ticks)
{
    /// <summary>A linear axis over the data range (with 0 when <paramref name="includeZero"/>), widened to nice ticks (Heckbert, Graphics Gems 1990).</summary>
    public static Axis Linear(string label, double min, double max, bool includeZero = false, int maxTicks = 6)
    {
        if (includeZero)
        {
            min = Math.Min(min, 0);
            max = Math.Max(max, 0);
        }
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            var pad = Math.Abs(max) > 0 ? Math.Abs(max) * 0.1 : 1;
            (min, max) = (includeZero && min == 0 ? 0 : min - pad, max + pad);
        }
        var step = Nice(Nice(max - min, round: false) / (maxTicks - 1), round: true);
        var lo = Math.Floor(min / step + 1e-9) * step;
        var hi = Math.Ceiling(max / step - 1e-9) * step;
        var count = (int)Math.Round((hi - lo) / step);
        var ticks = Enumerable.Range(0, count + 1).Select(i => Clean(lo + i * step, step)).ToList();
        return new Axis(label, lo, hi, false, ticks);
    }

    /// <summary>A fixed linear range with nice ticks inside it (rates and AUROCs on [0, 1]).</summary>
    public static Axis Fixed(string label, double min, double max, int maxTicks = 6)
    {
        var step = Nice((max - min) / (maxTicks - 1), round: true);
        var ticks = new List<double>();
        for (var t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.Add(Clean(t, step));
        return new Axis(label, min, max, false, ticks);
    }

    /// <summary>A base-10 logarithmic axis from the decade below the smallest value to the decade above the largest.</summary>
    public static Axis Logarithmic(string label, double min, double max)
    {
        if (!(min > 0) || !(max > 0)) throw new ArgumentException($"a logarithmic axis needs positive values, got {min}..{max}");
        var lo = Math.Floor(Math.Log10(min));
        var hi = Math.Max(lo + 1, Math.Ceiling(Math.Log10(max)));
        var ticks = new List<double>();
        for (var d = lo; d <= hi; d++)
        {
            ticks.Add(Math.Pow(10, d));
            // Within few decades, 2 and 5 times each decade keep the axis readable.
            if (hi - lo <= 2 && d < hi) ticks.AddRange([2 * Math.Pow(10, d), 5 * Math.Pow(10, d)]);
        }
        return new Axis(label, Math.Pow(10, lo), Math.Pow(10, hi), true, ticks.Order().ToList());
    }

    public double Fraction(double value) =>
        Log ? (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min)) : (value - Min) / (Max - Min);

    /// <summary>A tick's label, with as many decimals as the tick step needs.</summary>
    public string Format(double tick)
    {
        if (Log) return tick.ToString(tick >= 1 ? "0" : "0.####", CultureInfo.InvariantCulture);
        var step = Ticks.Count > 1 ? Ticks[1] - Ticks[0] : 1;
        var decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 10);
        return tick.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>The "nice" number (1, 2, 5 times a power of ten) closest to (<paramref name="round"/>) or above <paramref name="x"/>.</summary>
    public static double Nice(double x, bool round)
    {
        var exponent = Math.Floor(Math.Log10(x));
        var fraction = x / Math.Pow(10, exponent);
        var nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exponent);
    }

    /// <summary>Removes the floating-point residue of repeated additions (0.30000000000000004 → 0.3).</summary>
    private static double Clean(double value, double step) => Math.Abs(value) < step * 1e-9 ? 0 : Math.Round(value, 12);
}
