using System.Xml.Linq;
using static AnomalyBench.Harness.Reports.Svg.SvgCanvas;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>One line of a line chart, points in drawing order.</summary>
public sealed record LineSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Lines over numeric axes (given, or fitted to the data with nice ticks), optionally with the chance diagonal of a
/// ROC plot. Each series is a <c>&lt;g class="series" data-series="NAME"&gt;</c> holding one polyline; points closer
/// than half a pixel to the last one drawn are left out, so long curves stay small files.
/// </summary>
public sealed record LineChart(string Title, IReadOnlyList<LineSeries> Series, Axis XAxis, Axis YAxis, bool Diagonal = false)
{
    /// <summary>An axis fitted to one coordinate of every series' points.</summary>
    public static Axis Fit(string label, IEnumerable<LineSeries> series, Func<(double X, double Y), double> coordinate)
    {
        var values = series.SelectMany(s => s.Points).Select(coordinate).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        return Axis.Linear(label, values.Min(), values.Max());
    }

    public XElement Render()
    {
        var frame = new ChartFrame(Title);
        frame.YAxis(YAxis);
        frame.XAxis(XAxis);
        if (Diagonal)
            frame.Svg.Add(Group("reference", Line(ChartFrame.X(0), ChartFrame.Y(0), ChartFrame.X(1), ChartFrame.Y(1), "#999999", 1, "4 3")));
        foreach (var series in Series)
        {
            var points = new List<(double X, double Y)>();
            foreach (var (x, y) in series.Points)
            {
                if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
                var p = (ChartFrame.X(Math.Clamp(XAxis.Fraction(x), 0, 1)), ChartFrame.Y(Math.Clamp(YAxis.Fraction(y), 0, 1)));
                if (points.Count > 0 && Math.Abs(p.Item1 - points[^1].X) < 0.5 && Math.Abs(p.Item2 - points[^1].Y) < 0.5) continue;
                points.Add(p);
            }
            frame.Svg.Add(new XElement(Ns + "g", new XAttribute("class", "series"), new XAttribute("data-series", series.Name), new XAttribute("stroke", series.Color),
                Polyline(points, series.Color, 2)));
        }
        frame.Legend(Series.Select(s => (s.Name, s.Color)), LegendMark.Line);
        return frame.Svg;
    }
}
