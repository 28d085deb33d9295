using System.Globalization;
using System.Net;
using System.Text;
using AnomalyBench.Harness.Reports.Heatmaps;
using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>What the HTML report shows: the same data objects the Markdown and CSV files are written from, plus plots and heat maps.</summary>
public sealed record HtmlReportContent(
    ExperimentResults Results,
    IReadOnlyList<SideBySideTable> SideBySide,
    IReadOnlyList<RunConfidence> Intervals,
    IReadOnlyList<PairedComparison> Comparisons,
    StatisticsOptions Statistics,
    IReadOnlyList<string> Protocol,
    IReadOnlyList<ReportPlot> Plots,
    IReadOnlyList<HeatmapFile> Heatmaps);

/// <summary>
/// <c>report/report.html</c>: one self-contained page (inline CSS, inline SVG plots, heat maps linked by relative
/// path, nothing from the network) with the side-by-side and statistics tables (cells as the Markdown writes them),
/// the plots, the heat-map grids and the metric protocol.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.5em; }
        table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em; }
        th, td { border: 1px solid #ccc; padding: 3px 7px; } th { background: #f2f2f2; } td.num { text-align: right; white-space: nowrap; }
        tr.mean td { font-weight: bold; background: #fafafa; }
        .notes { font-size: 0.85em; color: #444; }
        figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
        figure.plot { width: 560px; } figure.plot svg { width: 100%; height: auto; border: 1px solid #eee; }
        figure img { image-rendering: pixelated; border: 1px solid #eee; }
        figcaption { font-size: 0.8em; color: #555; }
        footer { margin-top: 3em; border-top: 1px solid #ccc; font-size: 0.85em; }
        """;

    public static string Render(HtmlReportContent content, string reportFolder)
    {
        var r = content.Results;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(r.Experiment)).Append(" — report</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(E(r.Experiment)).Append("</h1>\n<p>")
            .Append(CultureInfo.InvariantCulture, $"{r.Runs.Count} finished run(s); data sets: {E(string.Join(", ", r.Datasets))}; methods: ")
            .Append(E(string.Join(", ", r.Runs.Select(x => x.Result.Method).Distinct()))).Append(".</p>\n");
        html.Append("<nav><a href=\"#side-by-side\">Side by side</a> · <a href=\"#statistics\">Statistics</a> · <a href=\"#plots\">Plots</a> · <a href=\"#heatmaps\">Heat maps</a> · <a href=\"#protocol\">Protocol</a></nav>\n");
        SideBySide(html, content.SideBySide);
        Statistics(html, content);
        Plots(html, content.Plots, r.Datasets);
        Heatmaps(html, content.Heatmaps, reportFolder);
        html.Append("<footer id=\"protocol\">\n<p>Metric protocol and backbone weights:</p>\n<ul>\n");
        foreach (var line in content.Protocol) html.Append("<li>").Append(E(line)).Append("</li>\n");
        html.Append("</ul>\n</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void SideBySide(StringBuilder html, IReadOnlyList<SideBySideTable> tables)
    {
        html.Append("<h2 id=\"side-by-side\">Reproduced numbers next to the papers'</h2>\n");
        html.Append("<p>Values in percent; \"ours\" is the mean ± std over seeds (n = seeds), \"paper\" the reported number, Δ = ours − paper in points.</p>\n");
        foreach (var t in tables)
        {
            html.Append("<h3>").Append(E($"{t.Dataset} — {t.MethodLabel}"));
            if (t.Method != t.MethodKey) html.Append(E($" ({t.MethodKey})"));
            if (t.Setting == "unified") html.Append(" — unified (one model for all categories)");
            html.Append("</h3>\n");
            if (t.Entry is not null)
                html.Append("<p>Paper setting: ").Append(E(string.Join(", ", t.Entry.Setting.Select(kv => $"{kv.Key} {kv.Value}")))).Append(". Source: ").Append(E(t.Source?.Trim() ?? "")).Append("</p>\n");
            var header = new List<string> { "category" };
            foreach (var m in t.Metrics) header.AddRange([$"{MetricNames.Display(m)} ours", "paper", "Δ"]);
            Table(html, header, t.Rows.Select(row => (row.Category == "mean" ? "mean" : null,
                (IEnumerable<string>)[row.Label, .. row.Cells.SelectMany(c => new[] { MarkdownReport.Ours(c), MarkdownReport.Number(c.Paper), MarkdownReport.Signed(c.Difference) })])));
            var notes = t.Notes.Concat(t.OtherEntries.Select(o => $"Also reported ({string.Join(", ", o.Setting.Select(kv => $"{kv.Key} {kv.Value}"))}): "
                + string.Join(", ", o.Metrics.Where(m => m.Value.ContainsKey("mean")).Select(m => $"{MetricNames.Display(m.Key)} {MarkdownReport.Number(o.Fraction(m.Key, "mean") * 100)}")))).ToList();
            if (notes.Count == 0) continue;
            html.Append("<ul class=\"notes\">\n");
            foreach (var note in notes) html.Append("<li>").Append(E(note)).Append("</li>\n");
            html.Append("</ul>\n");
        }
    }

    private static void Statistics(StringBuilder html, HtmlReportContent content)
    {
        var (r, options) = (content.Results, content.Statistics);
        html.Append("<h2 id=\"statistics\">Confidence intervals and paired tests</h2>\n<p>")
            .Append(E(string.Create(CultureInfo.InvariantCulture,
                $"Intervals are {options.Level * 100:0.#}%: image level by DeLong's method, pixel level by a cluster bootstrap over test images (B = {options.BootstrapReplicates}, seed {options.BootstrapSeed}). "
                + $"\"best\" marks the highest I-AUROC of a category and seed; * marks a method whose I-AUROC is lower than the best's with p < {options.Alpha} in DeLong's paired test (p given).")))
            .Append("</p>\n");
        foreach (var dataset in r.Datasets)
        {
            var methods = r.Methods(dataset);
            foreach (var (title, pixel) in new[] { ("I-AUROC, DeLong interval", false), ("P-AUROC, cluster-bootstrap interval", true) })
            {
                html.Append("<h3>").Append(E($"{dataset}: {title}")).Append("</h3>\n");
                var rows = r.Categories(dataset).SelectMany(category => r.Seeds(dataset).Select(seed => ((string?)null, (IEnumerable<string>)
                [
                    category, seed.ToString(CultureInfo.InvariantCulture),
                    .. methods.Select(method => content.Intervals.FirstOrDefault(i => i.Run.Key == new RunKey(dataset, category, method, seed)) is not { } c ? ""
                        : pixel ? MarkdownReport.PixelCell(c) : MarkdownReport.ImageCell(c, content.Comparisons)),
                ])));
                Table(html, ["category", "seed", .. methods.Select(m => r.Label(dataset, m))], rows);
            }
        }
        if (TestSetUse.Note(r.Runs.Select(x => x.Result)) is { } note) html.Append("<p class=\"notes\">").Append(E(note)).Append("</p>\n");
    }

    private static void Plots(StringBuilder html, IReadOnlyList<ReportPlot> plots, IReadOnlyList<string> datasets)
    {
        html.Append("<h2 id=\"plots\">Plots</h2>\n");
        foreach (var dataset in datasets)
        {
            html.Append("<h3>").Append(E(dataset)).Append("</h3>\n");
            foreach (var plot in plots.Where(p => p.Dataset == dataset))
            {
                html.Append("<figure class=\"plot\">\n").Append(plot.InlineSvg().ToString())
                    .Append("\n<figcaption>").Append(E(plot.Title)).Append(" (plots/").Append(E(plot.SvgFile)).Append(", ").Append(E(plot.PngFile)).Append(")</figcaption>\n</figure>\n");
            }
        }
    }

    private static void Heatmaps(StringBuilder html, IReadOnlyList<HeatmapFile> heatmaps, string reportFolder)
    {
        html.Append("<h2 id=\"heatmaps\">Heat maps</h2>\n<p>Per category: test images (defects first), the ground-truth contour, and each method's anomaly map with its image score; ")
            .Append("each method's maps share one colour scale (its minimum to maximum over the category's test images, shown under its column), so a dark map is a low score.</p>\n");
        foreach (var h in heatmaps)
        {
            var link = Path.GetRelativePath(reportFolder, h.Path).Replace('\\', '/');
            html.Append("<figure class=\"heatmap\"><a href=\"").Append(E(link)).Append("\"><img src=\"").Append(E(link)).Append("\" alt=\"")
                .Append(E($"heat maps of {h.Dataset} / {h.Category}")).Append("\"></a>\n<figcaption>")
                .Append(E($"{h.Dataset} / {h.Category}: {h.Images} test images; {string.Join(", ", h.Methods)}")).Append("</figcaption></figure>\n");
        }
    }

    /// <summary>A table of text cells (escaped here; a Markdown <c>**bold**</c> becomes strong); rows with a class get it.</summary>
    private static void Table(StringBuilder html, IEnumerable<string> header, IEnumerable<(string? Class, IEnumerable<string> Cells)> rows)
    {
        html.Append("<table>\n<thead><tr>");
        foreach (var h in header) html.Append("<th>").Append(E(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var (cls, cells) in rows)
        {
            html.Append(cls is null ? "<tr>" : $"<tr class=\"{cls}\">");
            var first = true;
            foreach (var cell in cells)
            {
                html.Append(first ? "<td>" : "<td class=\"num\">").Append(E(cell).Replace("**best**", "<strong>best</strong>", StringComparison.Ordinal)).Append("</td>");
                first = false;
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
