using System.Text.RegularExpressions;
using System.Xml.Linq;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace AnomalyBench.Harness.Reports.Figures;

/// <summary>
/// How every plot of the report looks and is saved: a ScottPlot figure of <see cref="Width"/> × <see cref="Height"/>
/// in DejaVu Sans with a title, axis labels and the legend to the right of the data; written as SVG (for the HTML
/// report) and as PNG at <see cref="PngScale"/> times the size (for papers and slides).
/// </summary>
public static class ReportFigure
{
    public const int Width = 660;
    public const int Height = 400;
    public const int PngScale = 2;

    private static readonly Regex s_reference = new(@"url\(#([^)]*)\)", RegexOptions.Compiled);

    /// <summary>A new figure with its title and axis labels, the legend outside the data area on the right.</summary>
    public static Plot Create(string title, string xLabel, string yLabel)
    {
        ReportFont.Register();
        var plot = new Plot();
        plot.Font.Set(ReportFont.Family);
        plot.Title(title, size: 14);
        plot.XLabel(xLabel, size: 12);
        plot.YLabel(yLabel, size: 12);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>
    /// Shows an axis whose data are log10 values as a logarithmic one: ticks at whole decades labelled with the value,
    /// minor ticks at 2..9 times each decade (ScottPlot 5 has no log axis; this is its documented recipe).
    /// </summary>
    public static void Logarithmic(IAxis axis) =>
        axis.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>The figure as a standalone SVG document, its element ids numbered within it (see <see cref="Element"/>).</summary>
    public static string Svg(Plot plot) => "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + Element(plot, "clip") + "\n";

    /// <summary>The figure as PNG bytes of <see cref="PngScale"/> × (<see cref="Width"/>, <see cref="Height"/>) pixels.</summary>
    public static byte[] Png(Plot plot)
    {
        plot.ScaleFactor = PngScale;
        try
        {
            // ScottPlot scales what it draws by ScaleFactor but takes the image size in output pixels.
            return plot.GetImageBytes(Width * PngScale, Height * PngScale, ImageFormat.Png);
        }
        finally
        {
            plot.ScaleFactor = 1;
        }
    }

    /// <summary>
    /// The SVG to place inline in an HTML page: with a viewBox (so CSS can scale it) and its element ids prefixed with
    /// <paramref name="idPrefix"/>, since one page holds many figures.
    /// </summary>
    public static XElement Inline(Plot plot, string idPrefix)
    {
        var svg = Element(plot, idPrefix);
        svg.SetAttributeValue("viewBox", $"0 0 {Width} {Height}");
        return svg;
    }

    /// <summary>
    /// The figure's SVG with its element ids (ScottPlot's clip paths) renamed <paramref name="idPrefix"/>1, 2, ... in
    /// document order, and every reference to them: ScottPlot numbers them with a counter of the process, so the same
    /// figure would otherwise differ from one run of the report to the next.
    /// </summary>
    private static XElement Element(Plot plot, string idPrefix)
    {
        plot.ScaleFactor = 1;
        var svg = XElement.Parse(plot.GetSvgXml(Width, Height));
        var ids = svg.DescendantsAndSelf().Select(e => (string?)e.Attribute("id")).OfType<string>().Distinct()
            .Select((id, i) => (id, i)).ToDictionary(p => p.id, p => $"{idPrefix}{p.i + 1}", StringComparer.Ordinal);
        string Renamed(string id) => ids.GetValueOrDefault(id, id);
        foreach (var attribute in svg.DescendantsAndSelf().SelectMany(e => e.Attributes()))
        {
            if (attribute.Name == "id") attribute.Value = Renamed(attribute.Value);
            else if (attribute.Name.LocalName == "href" && attribute.Value.StartsWith('#')) attribute.Value = "#" + Renamed(attribute.Value[1..]);
            else if (attribute.Value.Contains("url(#", StringComparison.Ordinal))
                attribute.Value = s_reference.Replace(attribute.Value, m => $"url(#{Renamed(m.Groups[1].Value)})");
        }
        return svg;
    }
}
