using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports.Heatmaps;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// Everything a finished experiment reports, rebuilt from its runs' files alone (the end of every sweep and
/// <c>harness report</c> call the same code, so they write the same files): the CSV tables, the side-by-side tables
/// next to the papers' numbers, confidence intervals and paired tests, each with the metric protocol in a footer; the plots
/// (SVG and PNG), the heat-map grids and the self-contained report.html.
/// </summary>
public static class ReportBuilder
{
    public const string SideBySideFile = "side_by_side.md";
    public const string StatisticsFile = "statistics.md";
    public const string HtmlFile = "report.html";

    /// <summary>Writes the report of <paramref name="results"/> and returns the files written.</summary>
    public static IReadOnlyList<string> Build(ExperimentResults results, IReadOnlyDictionary<string, ReferenceFile> references, ReportOptions options)
    {
        var layout = results.Layout;
        var statistics = options.Statistics;
        var written = new List<string>();
        if (results.Runs.Count == 0) return written;
        written.AddRange(Tables.Write(layout, results.Runs.Select(r => r.Result).ToList()));

        var protocol = ProtocolFooter.Lines(results.Runs);
        var sideBySide = SideBySide.Build(results, references);
        var intervals = RunStatistics.Intervals(results, statistics);
        var comparisons = RunStatistics.AgainstBest(results, statistics);

        Directory.CreateDirectory(layout.Report);
        written.Add(Write(Path.Combine(layout.Report, SideBySideFile), MarkdownReport.SideBySide(results.Experiment, sideBySide, protocol)));
        written.Add(Write(Path.Combine(layout.Report, StatisticsFile), MarkdownReport.Statistics(results.Experiment, results, intervals, comparisons, statistics, protocol)));
        foreach (var dataset in results.Datasets)
        {
            written.Add(Write(Path.Combine(layout.Tables, $"{dataset}_side_by_side.csv"), ReportCsv.SideBySide(sideBySide.Where(t => t.Dataset == dataset))));
            written.Add(Write(Path.Combine(layout.Tables, $"{dataset}_confidence.csv"),
                ReportCsv.Confidence(intervals.Where(i => i.Run.Result.Dataset == dataset), comparisons)));
        }

        var plots = ReportPlots.Build(results, MethodPalette.Of(results));
        try
        {
            written.AddRange(ReportPlots.Write(layout, plots));
            var heatmaps = HeatmapGrid.Write(results, options.HeatmapImages, layout);
            written.AddRange(heatmaps.Select(h => h.Path));
            var html = new HtmlReportContent(results, sideBySide, intervals, comparisons, statistics, protocol, plots, heatmaps);
            written.Add(Write(Path.Combine(layout.Report, HtmlFile), HtmlReport.Render(html, layout.Report)));
        }
        finally
        {
            foreach (var plot in plots) plot.Figure.Dispose();
        }
        return written;
    }

    private static string Write(string path, string content)
    {
        AtomicFile.WriteAllText(path, content);
        return path;
    }
}
