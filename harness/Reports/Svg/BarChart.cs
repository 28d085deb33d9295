using System.Globalization;
using System.Xml.Linq;
using static AnomalyBench.Harness.Reports.Svg.SvgCanvas;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>One series of a grouped bar chart: a value (null: none) and an error (± half-length; null: no bar) per group.</summary>
public sealed record BarSeries(string Name, string Color, IReadOnlyList<double?> Values, IReadOnlyList<double?> Errors);

/// <summary>
/// Grouped bars (groups along x, one bar per series in each group) with error bars, from a zero baseline so that a
/// bar's length is its value. Each series is a <c>&lt;g class="series" data-series="NAME"&gt;</c> of its bars.
/// </summary>
public sealed record BarChart(string Title, string GroupLabel, string ValueLabel, IReadOnlyList<string> Groups, IReadOnlyList<BarSeries> Series, Axis? ValueAxis = null)
{
    public XElement Render()
    {
        if (Series.Any(s => s.Values.Count != Groups.Count || s.Errors.Count != Groups.Count))
            throw new ArgumentException($"{Title}: every series needs one value and one error per group ({Groups.Count})");
        var tops = Series.SelectMany(s => s.Values.Zip(s.Errors, (v, e) => v + (e ?? 0))).OfType<double>().DefaultIfEmpty(1).ToList();
        var axis = ValueAxis ?? Axis.Linear(ValueLabel, tops.Min(), tops.Max(), includeZero: true);
        var frame = new ChartFrame(Title);
        frame.YAxis(axis);
        frame.XCategories(Groups, GroupLabel);

        var groupWidth = (ChartFrame.Right - ChartFrame.Left) / Math.Max(1, Groups.Count);
        var barWidth = groupWidth * 0.8 / Math.Max(1, Series.Count);
        var baseline = ChartFrame.Y(axis.Fraction(Math.Clamp(0, axis.Min, axis.Max)));
        for (var s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            var group = new XElement(Ns + "g", new XAttribute("class", "series"), new XAttribute("data-series", series.Name), new XAttribute("fill", series.Color));
            for (var g = 0; g < Groups.Count; g++)
            {
                if (series.Values[g] is not { } value) continue;
                var x = ChartFrame.Left + g * groupWidth + groupWidth * 0.1 + s * barWidth;
                var y = ChartFrame.Y(axis.Fraction(value));
                var error = series.Errors[g];
                var text = $"{series.Name}, {Groups[g]}: {value.ToString("0.000", CultureInfo.InvariantCulture)}"
                    + (error is { } e ? $" ± {e.ToString("0.000", CultureInfo.InvariantCulture)}" : "");
                var bar = Rect(x, Math.Min(y, baseline), barWidth, Math.Abs(baseline - y));
                bar.Add(Tooltip(text));
                group.Add(bar);
                if (error is { } err && err > 0)
                {
                    var (cx, lo, hi) = (x + barWidth / 2, ChartFrame.Y(Math.Max(0, axis.Fraction(value - err))), ChartFrame.Y(Math.Min(1, axis.Fraction(value + err))));
                    var cap = Math.Min(4, barWidth / 3);
                    group.Add(Group("error",
                        Line(cx, lo, cx, hi, AxisColor), Line(cx - cap, lo, cx + cap, lo, AxisColor), Line(cx - cap, hi, cx + cap, hi, AxisColor)));
                }
            }
            frame.Svg.Add(group);
        }
        frame.Legend(Series.Select(s => (s.Name, s.Color)), LegendMark.Box);
        return frame.Svg;
    }
}
