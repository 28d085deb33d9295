using System.Xml.Linq;
using AnomalyBench.Harness.Reports.Figures;
using ScottPlot;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// A plot of the report: where it belongs (data set, category or none), its base file name under <c>plots/</c> (written
/// as <c>NAME.svg</c> and <c>NAME.png</c>) and its ScottPlot figure.
/// </summary>
public sealed record ReportPlot(string Dataset, string? Category, string Name, string Title, Plot Figure)
{
    public string SvgFile => Name + ".svg";

    public string PngFile => Name + ".png";

    /// <summary>The figure for inline use in report.html (ids made unique by the plot's name).</summary>
    public XElement InlineSvg() => ReportFigure.Inline(Figure, Name + "-");
}
