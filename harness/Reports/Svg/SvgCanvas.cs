using System.Globalization;
using System.Xml.Linq;

namespace AnomalyBench.Harness.Reports.Svg;

/// <summary>
/// SVG elements built as XML (so every file is well-formed and every text escaped), with coordinates written in the
/// invariant culture to two decimals.
/// </summary>
public static class SvgCanvas
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    public const string TextColor = "#222222";
    public const string GridColor = "#e4e4e4";
    public const string AxisColor = "#555555";

    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static XElement Root(double width, double height, string title) =>
        new(Ns + "svg",
            new XAttribute("width", N(width)), new XAttribute("height", N(height)), new XAttribute("viewBox", $"0 0 {N(width)} {N(height)}"),
            new XAttribute("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"), new XAttribute("font-size", "12"),
            new XElement(Ns + "title", title),
            new XElement(Ns + "rect", new XAttribute("width", N(width)), new XAttribute("height", N(height)), new XAttribute("fill", "white")));

    public static XElement Group(string cssClass, params object[] content) => new(Ns + "g", new XAttribute("class", cssClass), content);

    public static XElement Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null) =>
        new(Ns + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)),
            new XAttribute("stroke", stroke), new XAttribute("stroke-width", N(width)), dash is null ? null : new XAttribute("stroke-dasharray", dash));

    public static XElement Rect(double x, double y, double width, double height, string? fill = null) =>
        new(Ns + "rect", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("width", N(width)), new XAttribute("height", N(height)),
            fill is null ? null : new XAttribute("fill", fill));

    public static XElement Circle(double cx, double cy, double r, string? fill = null) =>
        new(Ns + "circle", new XAttribute("cx", N(cx)), new XAttribute("cy", N(cy)), new XAttribute("r", N(r)), fill is null ? null : new XAttribute("fill", fill));

    public static XElement Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5, string? dash = null) =>
        new(Ns + "polyline", new XAttribute("points", string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"))),
            new XAttribute("fill", "none"), new XAttribute("stroke", stroke), new XAttribute("stroke-width", N(width)),
            new XAttribute("stroke-linejoin", "round"), dash is null ? null : new XAttribute("stroke-dasharray", dash));

    /// <summary>Text at (x, y); <paramref name="anchor"/> start|middle|end; <paramref name="rotate"/> degrees about (x, y).</summary>
    public static XElement Text(double x, double y, string text, string anchor = "start", double? rotate = null, double size = 12, string? weight = null) =>
        new(Ns + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor),
            new XAttribute("fill", TextColor), size == 12 ? null : new XAttribute("font-size", N(size)),
            weight is null ? null : new XAttribute("font-weight", weight),
            rotate is { } r ? new XAttribute("transform", $"rotate({N(r)} {N(x)} {N(y)})") : null,
            text);

    /// <summary>A tooltip for the element it is added to.</summary>
    public static XElement Tooltip(string text) => new(Ns + "title", text);

    /// <summary>The standalone file: an XML declaration and the SVG element.</summary>
    public static string Document(XElement svg) =>
        new XDocument(new XDeclaration("1.0", "utf-8", null), svg).Declaration + "\n" + svg.ToString(SaveOptions.None) + "\n";
}
