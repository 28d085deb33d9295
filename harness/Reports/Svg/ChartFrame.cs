using System.Xml.Linq;
using static AnomalyBench.Harness.Reports.Svg.SvgCanvas;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>How a legend entry shows its series.</summary>
public enum LegendMark
{
    Box,
    Line,
    Point,
}

/// <summary>
/// The frame every chart shares: a fixed-size SVG with a title, the plot area, axes with ticks and grid lines, axis
/// labels and a legend to the right. Ticks are <c>&lt;g class="tick x|y"&gt;</c> holding their line and label.
/// </summary>
internal sealed class ChartFrame
{
    public const double Width = 660;
    public const double Height = 400;
    public const double Left = 72;
    public const double Top = 42;
    public const double Right = Width - 180;
    public const double Bottom = Height - 64;

    public ChartFrame(string title)
    {
        Svg = Root(Width, Height, title);
        Svg.Add(Text((Left + Right) / 2, 24, title, "middle", size: 14, weight: "bold"));
    }

    public XElement Svg { get; }

    public static double X(double fraction) => Left + fraction * (Right - Left);

    public static double Y(double fraction) => Bottom - fraction * (Bottom - Top);

    public void YAxis(Axis axis)
    {
        var ticks = Group("axis y");
        foreach (var t in axis.Ticks)
        {
            var y = Y(axis.Fraction(t));
            ticks.Add(Group("tick y", Line(Left, y, Right, y, GridColor), Line(Left - 4, y, Left, y, AxisColor), Text(Left - 7, y + 4, axis.Format(t), "end")));
        }
        ticks.Add(Line(Left, Top, Left, Bottom, AxisColor));
        ticks.Add(Text(18, (Top + Bottom) / 2, axis.Label, "middle", rotate: -90));
        Svg.Add(ticks);
    }

    public void XAxis(Axis axis)
    {
        var ticks = Group("axis x");
        foreach (var t in axis.Ticks)
        {
            var x = X(axis.Fraction(t));
            ticks.Add(Group("tick x", Line(x, Top, x, Bottom, GridColor), Line(x, Bottom, x, Bottom + 4, AxisColor), Text(x, Bottom + 17, axis.Format(t), "middle")));
        }
        ticks.Add(Line(Left, Bottom, Right, Bottom, AxisColor));
        ticks.Add(Text((Left + Right) / 2, Height - 18, axis.Label, "middle"));
        Svg.Add(ticks);
    }

    /// <summary>Category labels under equal-width groups (slanted when they would collide).</summary>
    public void XCategories(IReadOnlyList<string> groups, string label)
    {
        var axis = Group("axis x");
        var width = (Right - Left) / groups.Count;
        var slant = groups.Any(g => g.Length * 7 > width);
        for (var i = 0; i < groups.Count; i++)
        {
            var x = Left + (i + 0.5) * width;
            axis.Add(slant ? Text(x, Bottom + 14, groups[i], "end", rotate: -30) : Text(x, Bottom + 17, groups[i], "middle"));
        }
        axis.Add(Line(Left, Bottom, Right, Bottom, AxisColor));
        if (!slant) axis.Add(Text((Left + Right) / 2, Height - 18, label, "middle"));
        Svg.Add(axis);
    }

    public void Legend(IEnumerable<(string Name, string Color)> entries, LegendMark mark)
    {
        var legend = Group("legend");
        var y = Top + 6;
        foreach (var (name, color) in entries)
        {
            var x = Right + 16;
            legend.Add(mark switch
            {
                LegendMark.Box => Rect(x, y - 9, 12, 12, color),
                LegendMark.Line => Line(x, y - 3, x + 18, y - 3, color, 2.5),
                _ => Circle(x + 6, y - 3, 5, color),
            });
            legend.Add(Text(x + 24, y + 1, name.Length > 20 ? name[..19] + "…" : name));
            y += 18;
        }
        Svg.Add(legend);
    }
}
