using System.Xml.Linq;
using AnomalyBench.Harness.Reports.Svg;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Reports;

/// <summary>A plot of the report: where it belongs (data set, category or none), its file name under <c>plots/</c> and its SVG.</summary>
public sealed record ReportPlot(string Dataset, string? Category, string FileName, string Title, XElement Svg);

/// <summary>
/// The report's plots, from the runs' files alone: per data set, one bar chart per metric (categories × methods, mean ±
/// std over seeds), per category the ROC and PRO curves and the training losses (one line per method, its lowest
/// seed), and I-AUROC against prediction throughput with the Pareto front. Colours follow the experiment's method palette.
/// </summary>
public static class ReportPlots
{
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

    /// <summary>Writes every plot as <c>plots/FILE.svg</c> and returns the paths.</summary>
    public static IReadOnlyList<string> Write(ResultsLayout layout, IReadOnlyList<ReportPlot> plots)
    {
        Directory.CreateDirectory(layout.Plots);
        return plots.Select(p =>
        {
            var path = Path.Combine(layout.Plots, p.FileName);
            AtomicFile.WriteAllText(path, SvgCanvas.Document(p.Svg));
            return path;
        }).ToList();
    }

    private static IEnumerable<ReportPlot> MetricBars(ExperimentResults results, string dataset, MethodPalette palette)
    {
        var runs = results.Of(dataset).ToList();
        var categories = results.Categories(dataset);
        var methods = results.Methods(dataset);
        var metrics = runs.SelectMany(r => r.Result.Metrics.Where(m => m.Value is not null).Select(m => m.Key)).Distinct().ToList();
        foreach (var metric in metrics)
        {
            var series = methods.Select(method =>
            {
                var stats = categories.Select(c => Tables.MeanStd(results.Of(dataset, c, method).Select(r => r.Metric(metric)))).ToList();
                var values = stats.Select(s => double.IsNaN(s.Mean) ? (double?)null : s.Mean).ToList();
                var errors = stats.Select(s => double.IsNaN(s.Std) ? (double?)null : s.Std).ToList();
                // The mean over categories, only when every category has a value (as the tables do).
                values.Add(values.All(v => v is not null) ? values.Average() : null);
                errors.Add(null);
                return new BarSeries(method, palette.Color(method), values, errors);
            }).ToList();
            var name = MetricNames.Display(metric);
            var tops = series.SelectMany(s => s.Values.Zip(s.Errors, (v, e) => v + (e ?? 0))).OfType<double>().ToList();
            var axis = tops.All(t => t <= 1) && tops.All(t => t >= 0) ? Axis.Fixed(name, 0, 1) : null;
            var title = $"{dataset}: {name} per category (mean ± std over seeds)";
            var chart = new BarChart(title, "category", name, [.. categories, "mean"], series, axis);
            yield return new ReportPlot(dataset, null, FileName(dataset, metric, "bars"), title, chart.Render());
        }
    }

    private static IEnumerable<ReportPlot> Curves(string dataset, string category, IReadOnlyList<FinishedRun> runs, MethodPalette palette)
    {
        var curves = runs.Select(r => (Run: r, Curves: RunCurves.Read(r.File(ResultsLayout.CurvesFile)))).ToList();
        foreach (var (key, name, x, y, diagonal) in s_curves)
        {
            var series = curves
                .Where(c => c.Curves.TryGetValue(key, out var points) && points.Count > 1)
                .Select(c => new LineSeries(c.Run.Result.Method, palette.Color(c.Run.Result.Method), c.Curves[key]))
                .ToList();
            if (series.Count == 0) continue;
            var seeds = string.Join(", ", runs.Select(r => r.Result.Seed).Distinct());
            var title = $"{dataset} / {category}: {name} (seed {seeds})";
            var xMax = diagonal ? 1 : Axis.Nice(series.SelectMany(s => s.Points).Max(p => p.X), round: false);
            var chart = new LineChart(title, series, Axis.Fixed(x, 0, Math.Min(1, xMax)), Axis.Fixed(y, 0, 1), diagonal);
            yield return new ReportPlot(dataset, category, FileName(dataset, category, key), title, chart.Render());
        }
    }

    private static ReportPlot? TrainingLosses(string dataset, string category, IReadOnlyList<FinishedRun> runs, MethodPalette palette)
    {
        var series = new List<LineSeries>();
        foreach (var run in runs)
        {
            if (TrainLog.Read(run.File(ResultsLayout.TrainLogFile)) is not { } log) continue;
            var (loss, points) = log.Loss();
            if (points.Count > 0) series.Add(new LineSeries($"{run.Result.Method} ({loss})", palette.Color(run.Result.Method), points));
        }
        if (series.Count == 0) return null;
        var title = $"{dataset} / {category}: training loss";
        var losses = series.SelectMany(s => s.Points).Select(p => p.Y).ToList();
        // Methods' losses differ by orders of magnitude: on one linear axis the smaller ones would be flat lines.
        var yAxis = losses.Min() > 0 && losses.Max() / losses.Min() > 50
            ? Axis.Logarithmic("loss, log scale", losses.Min(), losses.Max())
            : LineChart.Fit("loss", series, p => p.Y);
        var chart = new LineChart(title, series, LineChart.Fit("step", series, p => p.X), yAxis);
        return new ReportPlot(dataset, category, FileName(dataset, category, "training_loss"), title, chart.Render());
    }

    private static ReportPlot? AccuracyAgainstThroughput(ExperimentResults results, string dataset, MethodPalette palette)
    {
        var points = new List<ScatterPoint>();
        foreach (var method in results.Methods(dataset))
        {
            var runs = results.Of(dataset).Where(r => r.Result.Method == method && r.Metric("image_auroc") is not null && r.Result.Timings.PredictImagesPerSecond > 0).ToList();
            if (runs.Count == 0) continue;
            // The median, not the mean: a run's first batches (warm-up, a busy machine) can make one run many times slower.
            points.Add(new ScatterPoint(method, palette.Color(method), Median(runs.Select(r => r.Result.Timings.PredictImagesPerSecond)), runs.Average(r => r.Metric("image_auroc")!.Value)));
        }
        if (points.Count == 0) return null;
        var (lo, hi) = (points.Min(p => p.X), points.Max(p => p.X));
        // Methods differ in speed by orders of magnitude: a wide range is shown on a logarithmic axis.
        var xAxis = hi / lo > 20
            ? Axis.Logarithmic("test images / s at the configured batch (median over runs, log scale)", lo, hi)
            : Axis.Linear("test images / s at the configured batch (median over runs)", lo, hi * 1.08, includeZero: true);
        var (bottom, top) = (points.Min(p => p.Y), points.Max(p => p.Y));
        var yAxis = Axis.Linear("I-AUROC (mean over categories and seeds)", bottom - 0.05 * (top - bottom), top + 0.05 * (top - bottom));
        var title = $"{dataset}: I-AUROC against throughput";
        var chart = new ScatterChart(title, points, xAxis, yAxis, ParetoFront.Of(points, p => p.X, p => p.Y));
        return new ReportPlot(dataset, null, FileName(dataset, "accuracy_vs_throughput"), title, chart.Render());
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string FileName(params string[] parts) =>
        string.Join('_', parts.Select(p => string.Concat(p.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-')))) + ".svg";
}
