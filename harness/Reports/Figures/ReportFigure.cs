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

    /// <summary>The figure as a standalone SVG document.</summary>
    public static string Svg(Plot plot)
    {
        plot.ScaleFactor = 1;
        return plot.GetSvgXml(Width, Height);
    }

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
    /// <paramref name="idPrefix"/>, because ScottPlot numbers its clip paths from 1 in every figure and one page holds many.
    /// </summary>
    public static XElement Inline(Plot plot, string idPrefix)
    {
        var svg = XElement.Parse(Svg(plot));
        svg.SetAttributeValue("viewBox", $"0 0 {Width} {Height}");
        foreach (var element in svg.DescendantsAndSelf())
        {
            foreach (var attribute in element.Attributes().ToList())
            {
                if (attribute.Name == "id") attribute.Value = idPrefix + attribute.Value;
                else if (attribute.Value.Contains("url(#", StringComparison.Ordinal))
                    attribute.Value = attribute.Value.Replace("url(#", "url(#" + idPrefix, StringComparison.Ordinal);
                else if (attribute.Name.LocalName == "href" && attribute.Value.StartsWith('#')) attribute.Value = "#" + idPrefix + attribute.Value[1..];
            }
        }
        return svg;
    }
}
