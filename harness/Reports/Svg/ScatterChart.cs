using System.Globalization;
using System.Xml.Linq;
using static AnomalyBench.Harness.Reports.Svg.SvgCanvas;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>A labelled point of a scatter chart.</summary>
public sealed record ScatterPoint(string Label, string Color, double X, double Y);

/// <summary>
/// Labelled points, each a <c>&lt;g class="series" data-series="LABEL"&gt;</c> of its dot and label, and optionally a
/// front (<c>class="front"</c>): a staircase through the given points, sorted by x, that bounds the region they
/// dominate when larger is better on both axes.
/// </summary>
public sealed record ScatterChart(string Title, IReadOnlyList<ScatterPoint> Points, Axis XAxis, Axis YAxis, IReadOnlyList<ScatterPoint>? Front = null)
{
    public XElement Render()
    {
        var frame = new ChartFrame(Title);
        frame.YAxis(YAxis);
        frame.XAxis(XAxis);
        (double X, double Y) At(ScatterPoint p) => (ChartFrame.X(Math.Clamp(XAxis.Fraction(p.X), 0, 1)), ChartFrame.Y(Math.Clamp(YAxis.Fraction(p.Y), 0, 1)));
        if (Front is { Count: > 0 })
        {
            var sorted = Front.OrderBy(p => p.X).ToList();
            var steps = new List<(double X, double Y)> { At(sorted[0]) };
            for (var i = 1; i < sorted.Count; i++)
            {
                var p = At(sorted[i]);
                steps.Add((steps[^1].X, p.Y));
                steps.Add(p);
            }
            frame.Svg.Add(Group("front", Polyline(steps, "#777777", 1.5, "5 3")));
        }
        foreach (var point in Points)
        {
            var (x, y) = At(point);
            var dot = Circle(x, y, 6);
            dot.Add(Tooltip(string.Create(CultureInfo.InvariantCulture, $"{point.Label}: ({point.X:0.###}, {point.Y:0.###})")));
            frame.Svg.Add(new XElement(Ns + "g", new XAttribute("class", "series"), new XAttribute("data-series", point.Label), new XAttribute("fill", point.Color),
                dot, Text(x + 9, y - 8, point.Label)));
        }
        frame.Legend(Points.Select(p => (p.Label, p.Color)), LegendMark.Point);
        if (Front is { Count: > 0 }) frame.Svg.Add(Group("front-legend", Text(ChartFrame.Right + 16, ChartFrame.Bottom, "dashed: Pareto front", size: 11)));
        return frame.Svg;
    }
}
