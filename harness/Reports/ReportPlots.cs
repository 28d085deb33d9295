using AnomalyBench.Harness.Reports.Figures;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Torch;
using ScottPlot;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// The report's plots, from the runs' files alone: per data set, one bar chart per metric (categories × methods, mean ±
/// std over seeds), per category the ROC and PRO curves and the training losses (one line per method, its lowest
/// seed), and I-AUROC against prediction throughput with the Pareto front. Drawn with ScottPlot; colours follow the
/// experiment's method palette.
/// </summary>
public static class ReportPlots
{
    private static readonly Color s_ink = Color.FromHex("#333333");
    private static readonly Color s_reference = Color.FromHex("#999999");

    private static readonly (string Key, string Name, string X, string Y, bool Diagonal)[] s_curves =
    [
        ("image_roc", "image ROC", "false positive rate", "true positive rate", true),
        ("pixel_roc", "pixel ROC", "false positive rate", "true positive rate", true),
        ("pro", "PRO", "false positive rate", "per-region overlap", false),
    ];

    public static IReadOnlyList<ReportPlot> Build(ExperimentResults results, MethodPalette palette)
    {
        var plots = new List<ReportPlot>();
        foreach (var dataset in results.Datasets)
        {
            plots.AddRange(MetricBars(results, dataset, palette));
            foreach (var category in results.Categories(dataset))
            {
                var runs = LowestSeedRuns(results, dataset, category);
                plots.AddRange(Curves(dataset, category, runs, palette));
                if (TrainingLosses(dataset, category, runs, palette) is { } losses) plots.Add(losses);
            }
            if (AccuracyAgainstThroughput(results, dataset, palette) is { } scatter) plots.Add(scatter);
        }
        return plots;
    }

    /// <summary>Each method's run of a category with its lowest seed, in method order: the run that curves and heat maps show.</summary>
    public static IReadOnlyList<FinishedRun> LowestSeedRuns(ExperimentResults results, string dataset, string category) =>
        results.Methods(dataset).Select(m => results.Of(dataset, category, m).MinBy(r => r.Result.Seed)).OfType<FinishedRun>().ToList();

    /// <summary>Writes every plot as <c>plots/NAME.svg</c> and <c>plots/NAME.png</c> and returns the paths.</summary>
    public static IReadOnlyList<string> Write(ResultsLayout layout, IReadOnlyList<ReportPlot> plots)
    {
        Directory.CreateDirectory(layout.Plots);
        var written = new List<string>();
        foreach (var plot in plots)
        {
            var svg = Path.Combine(layout.Plots, plot.SvgFile);
            AtomicFile.WriteAllText(svg, ReportFigure.Svg(plot.Figure));
            var png = Path.Combine(layout.Plots, plot.PngFile);
            AtomicFile.WriteAllBytes(png, ReportFigure.Png(plot.Figure));
            written.AddRange([svg, png]);
        }
        return written;
    }

    private static IEnumerable<ReportPlot> MetricBars(ExperimentResults results, string dataset, MethodPalette palette)
    {
        var runs = results.Of(dataset).ToList();
        var categories = results.Categories(dataset);
        var methods = results.Methods(dataset);
        string[] groups = [.. categories, "mean"];
        var metrics = runs.SelectMany(r => r.Result.Metrics.Where(m => m.Value is not null).Select(m => m.Key)).Distinct().ToList();
        foreach (var metric in metrics)
        {
            var name = MetricNames.Display(metric);
            var title = $"{dataset}: {name} per category (mean ± std over seeds)";
            var plot = ReportFigure.Create(title, "category", name);
            var width = 0.8 / methods.Count;
            var tops = new List<double>();
            for (var s = 0; s < methods.Count; s++)
            {
                var stats = categories.Select(c => Tables.MeanStd(results.Of(dataset, c, methods[s]).Select(r => r.Metric(metric)))).ToList();
                // The mean over categories, only when every category has a value (as the tables do); it has no error bar.
                stats.Add(stats.All(x => !double.IsNaN(x.Mean)) ? (stats.Average(x => x.Mean), double.NaN) : (double.NaN, double.NaN));
                var bars = stats.Select((x, g) => (x, g)).Where(p => !double.IsNaN(p.x.Mean)).Select(p => new Bar
                {
                    Position = p.g - 0.4 + (s + 0.5) * width,
                    Value = p.x.Mean,
                    Error = double.IsNaN(p.x.Std) ? 0 : p.x.Std,
                    ErrorSize = width / 3,
                    Size = width,
                    FillColor = palette.Color(methods[s]),
                    LineColor = s_ink,
                    LineWidth = 1,
                }).ToList();
                tops.AddRange(bars.Select(b => b.Value + b.Error));
                plot.Add.Bars(bars).LegendText = methods[s];
            }
            CategoryTicks(plot, groups);
            if (tops.All(t => t is >= 0 and <= 1)) plot.Axes.SetLimitsY(0, 1);
            else plot.Axes.Margins(bottom: 0);
            yield return new ReportPlot(dataset, null, FileName(dataset, metric, "bars"), title, plot);
        }
    }

    /// <summary>The groups' names under the bars, slanted when they would not fit side by side.</summary>
    private static void CategoryTicks(Plot plot, IReadOnlyList<string> groups)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, groups.Count).Select(i => (double)i)], [.. groups]);
        plot.Axes.SetLimitsX(-0.5, groups.Count - 0.5);
        if (groups.Sum(g => g.Length) * 7 > ReportFigure.Width / 2)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        }
    }

    private static IEnumerable<ReportPlot> Curves(string dataset, string category, IReadOnlyList<FinishedRun> runs, MethodPalette palette)
    {
        var curves = runs.Select(r => (Run: r, Curves: RunCurves.Read(r.File(ResultsLayout.CurvesFile)))).ToList();
        foreach (var (key, name, x, y, diagonal) in s_curves)
        {
            var series = curves
                .Where(c => c.Curves.TryGetValue(key, out var points) && points.Count > 1)
                .Select(c => (c.Run.Result.Method, Points: c.Curves[key].Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList()))
                .ToList();
            if (series.Count == 0) continue;
            var seeds = string.Join(", ", runs.Select(r => r.Result.Seed).Distinct());
            var title = $"{dataset} / {category}: {name} (seed {seeds})";
            var plot = ReportFigure.Create(title, x, y);
            if (diagonal)
            {
                var chance = plot.Add.Line(0, 0, 1, 1);
                chance.LineColor = s_reference;
                chance.LinePattern = LinePattern.Dashed;
            }
            foreach (var (method, points) in series) Line(plot, method, palette.Color(method), points);
            // PRO curves stop at the integration limit (e.g. FPR 0.3): the x axis ends where the curves do.
            var xMax = diagonal ? 1 : Math.Min(1, series.SelectMany(s => s.Points).Max(p => p.X));
            plot.Axes.SetLimits(0, xMax > 0 ? xMax : 1, 0, 1);
            yield return new ReportPlot(dataset, category, FileName(dataset, category, key), title, plot);
        }
    }

    private static void Line(Plot plot, string legend, Color color, IReadOnlyList<(double X, double Y)> points)
    {
        var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), color);
        line.LineWidth = 2;
        line.LegendText = legend;
    }

    private static ReportPlot? TrainingLosses(string dataset, string category, IReadOnlyList<FinishedRun> runs, MethodPalette palette)
    {
        var series = new List<(string Method, string Legend, IReadOnlyList<(double X, double Y)> Points)>();
        foreach (var run in runs)
        {
            if (TrainLog.Read(run.File(ResultsLayout.TrainLogFile)) is not { } log) continue;
            var (loss, points) = log.Loss();
            var finite = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (finite.Count > 0) series.Add((run.Result.Method, $"{run.Result.Method} ({loss})", finite));
        }
        if (series.Count == 0) return null;
        var title = $"{dataset} / {category}: training loss";
        var losses = series.SelectMany(s => s.Points).Select(p => p.Y).ToList();
        // Methods' losses differ by orders of magnitude: on one linear axis the smaller ones would be flat lines.
        var log10 = losses.Min() > 0 && losses.Max() / losses.Min() > 50;
        var plot = ReportFigure.Create(title, "step", log10 ? "loss, log scale" : "loss");
        foreach (var (method, legend, points) in series)
            Line(plot, legend, palette.Color(method), log10 ? points.Select(p => (p.X, Math.Log10(p.Y))).ToList() : points);
        if (log10) ReportFigure.Logarithmic(plot.Axes.Left);
        return new ReportPlot(dataset, category, FileName(dataset, category, "training_loss"), title, plot);
    }

    private static ReportPlot? AccuracyAgainstThroughput(ExperimentResults results, string dataset, MethodPalette palette)
    {
        var points = new List<(string Method, double X, double Y)>();
        foreach (var method in results.Methods(dataset))
        {
            var runs = results.Of(dataset).Where(r => r.Result.Method == method && r.Metric("image_auroc") is not null && r.Result.Timings.PredictImagesPerSecond > 0).ToList();
            if (runs.Count == 0) continue;
            // The median, not the mean: a run's first batches (warm-up, a busy machine) can make one run many times slower.
            points.Add((method, Median(runs.Select(r => r.Result.Timings.PredictImagesPerSecond)), runs.Average(r => r.Metric("image_auroc")!.Value)));
        }
        if (points.Count == 0) return null;
        // Methods differ in speed by orders of magnitude: a wide range is shown on a logarithmic axis.
        var log10 = points.Max(p => p.X) / points.Min(p => p.X) > 20;
        double X(double x) => log10 ? Math.Log10(x) : x;
        var title = $"{dataset}: I-AUROC against throughput";
        var plot = ReportFigure.Create(title,
            "test images / s at the configured batch (median over runs" + (log10 ? ", log scale)" : ")"), "I-AUROC (mean over categories and seeds)");
        var front = ParetoFront.Of(points, p => p.X, p => p.Y).OrderBy(p => p.X).ToList();
        // The front as a staircase: the region it bounds is what its methods dominate when larger is better on both axes.
        var steps = front.Take(1).Concat(front.Skip(1).Zip(front, (p, previous) => new[] { (previous.Method, p.X, previous.Y), p }).SelectMany(s => s)).ToList();
        var staircase = plot.Add.ScatterLine(steps.Select(p => X(p.X)).ToArray(), steps.Select(p => p.Y).ToArray(), s_reference);
        staircase.LinePattern = LinePattern.Dashed;
        staircase.LineWidth = 1.5f;
        staircase.LegendText = "Pareto front";
        foreach (var (method, x, y) in points)
        {
            var point = plot.Add.ScatterPoints(new[] { X(x) }, new[] { y }, palette.Color(method));
            point.MarkerSize = 11;
            point.LegendText = method;
            var label = plot.Add.Text(method, X(x), y);
            label.LabelFontSize = 11;
            label.LabelFontColor = s_ink;
            label.OffsetX = 8;
            label.OffsetY = -16;
        }
        if (log10) ReportFigure.Logarithmic(plot.Axes.Bottom);
        else plot.Axes.SetLimitsX(0, points.Max(p => p.X) * 1.1);
        return new ReportPlot(dataset, null, FileName(dataset, "accuracy_vs_throughput"), title, plot);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string FileName(params string[] parts) =>
        string.Join('_', parts.Select(p => string.Concat(p.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-'))));
}
