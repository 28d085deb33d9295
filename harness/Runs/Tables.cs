using System.Globalization;
using AnomalyBench.Torch;
using CsvHelper;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// The sweep's CSV tables, rebuilt from the runs' metrics.json files (so shards and resumed
/// sweeps merge): <c>tables/&lt;dataset&gt;_&lt;metric&gt;.csv</c> with one row per category plus the
/// mean over categories and one column per method (mean over seeds, and <c>±std</c> columns
/// when there are several seeds; a method whose numbers the test set informed carries <see cref="Reports.TestSetUse.Marker"/>),
/// and <c>all_runs.csv</c> with one row per run and metric, its <c>selection</c> and <c>uses_test_set</c>.
/// </summary>
public static class Tables
{
    public static IReadOnlyList<string> Write(ResultsLayout layout, IReadOnlyList<RunResult> runs)
    {
        var written = new List<string>();
        Directory.CreateDirectory(layout.Tables);
        foreach (var dataset in runs.Select(r => r.Dataset).Distinct().Order(StringComparer.Ordinal))
        {
            var ofDataset = runs.Where(r => r.Dataset == dataset).ToList();
            foreach (var metric in ofDataset.SelectMany(r => r.Metrics.Keys).Distinct())
            {
                var path = Path.Combine(layout.Tables, $"{dataset}_{metric}.csv");
                AtomicFile.WriteAllText(path, MetricTable(ofDataset, metric));
                written.Add(path);
            }
        }
        var all = Path.Combine(layout.Tables, "all_runs.csv");
        AtomicFile.WriteAllText(all, AllRuns(runs));
        written.Add(all);
        return written;
    }

    /// <summary>Rows: categories (in order of appearance) and "mean"; columns: methods; cells: mean over seeds.</summary>
    public static string MetricTable(IReadOnlyList<RunResult> runs, string metric)
    {
        var methods = runs.Select(r => r.Method).Distinct().ToList();
        var categories = runs.Select(r => r.Category).Distinct().ToList();
        var withStd = runs.GroupBy(r => (r.Category, r.Method)).Any(g => g.Count() > 1);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = NewWriter(text))
        {
            csv.WriteField("category");
            foreach (var m in methods)
            {
                var label = Reports.TestSetUse.Label(m, runs.Where(r => r.Method == m));
                csv.WriteField(label);
                if (withStd) csv.WriteField($"{label}_std");
            }
            csv.EndRecord();
            var perMethodMeans = methods.ToDictionary(m => m, _ => new List<double>());
            foreach (var category in categories)
            {
                csv.WriteField(category);
                foreach (var m in methods)
                {
                    var values = runs.Where(r => r.Category == category && r.Method == m)
                        .Select(r => r.Metrics.TryGetValue(metric, out var v) ? v : null).ToList();
                    var (mean, std) = MeanStd(values);
                    if (!double.IsNaN(mean)) perMethodMeans[m].Add(mean);
                    csv.WriteField(Format(mean));
                    if (withStd) csv.WriteField(Format(std));
                }
                csv.EndRecord();
            }
            csv.WriteField("mean");
            foreach (var m in methods)
            {
                // The mean over categories is only meaningful when every category has a value.
                var complete = perMethodMeans[m].Count == categories.Count;
                csv.WriteField(complete ? Format(perMethodMeans[m].Average()) : "");
                if (withStd) csv.WriteField("");
            }
            csv.EndRecord();
        }
        return text.ToString();
    }

    public static string AllRuns(IReadOnlyList<RunResult> runs)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = NewWriter(text))
        {
            foreach (var h in new[] { "dataset", "category", "method", "method_key", "seed", "setting", "profile", "metric", "value", "undefined_reason",
                         "fit_seconds", "predict_seconds", "predict_images_per_second", "predict_images_per_second_batch1", "predict_batch_size",
                         "fit_peak_rss_bytes", "predict_peak_rss_bytes", "fit_peak_cuda_bytes", "predict_peak_cuda_bytes", "device", "threads", "weights",
                         "selection", "uses_test_set" })
                csv.WriteField(h);
            csv.EndRecord();
            foreach (var r in runs)
            {
                foreach (var (metric, value) in r.Metrics)
                {
                    csv.WriteField(r.Dataset);
                    csv.WriteField(r.Category);
                    csv.WriteField(r.Method);
                    csv.WriteField(r.MethodKey);
                    csv.WriteField(r.Seed.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(r.Setting);
                    csv.WriteField(r.Profile);
                    csv.WriteField(metric);
                    csv.WriteField(value is { } v ? Format(v) : "");
                    csv.WriteField(r.Undefined.TryGetValue(metric, out var why) ? why : "");
                    csv.WriteField(Format(r.Timings.FitSeconds));
                    csv.WriteField(Format(r.Timings.PredictSeconds));
                    csv.WriteField(Format(r.Timings.PredictImagesPerSecond));
                    csv.WriteField(r.Timings.PredictImagesPerSecondBatch1 is { } single ? Format(single) : "");
                    csv.WriteField(r.Timings.PredictBatchSize?.ToString(CultureInfo.InvariantCulture) ?? "");
                    foreach (var bytes in new[] { r.Memory?.Fit.PeakResidentBytes, r.Memory?.Predict.PeakResidentBytes, r.Memory?.Fit.PeakCudaBytes, r.Memory?.Predict.PeakCudaBytes })
                        csv.WriteField(bytes?.ToString(CultureInfo.InvariantCulture) ?? "");
                    csv.WriteField(r.Device);
                    csv.WriteField(r.Threads.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(r.Weights);
                    csv.WriteField(r.SelectionValue);
                    csv.WriteField(r.UsesTestSet ? "true" : "false");
                    csv.EndRecord();
                }
            }
        }
        return text.ToString();
    }

    /// <summary>Mean and sample standard deviation of the defined values; NaN when there are none (std NaN below two).</summary>
    public static (double Mean, double Std) MeanStd(IEnumerable<double?> values)
    {
        var defined = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        if (defined.Count == 0) return (double.NaN, double.NaN);
        var mean = defined.Average();
        var std = defined.Count < 2 ? double.NaN : Math.Sqrt(defined.Sum(v => (v - mean) * (v - mean)) / (defined.Count - 1));
        return (mean, std);
    }

    /// <summary>RFC 4180 fields with Unix line ends (the files are read by scripts and diffed).</summary>
    internal static CsvWriter NewWriter(TextWriter text) =>
        CsvWriter.Create(text, CsvWriterOptions.Default with { NewLine = "\n" }, leaveOpen: true);

    internal static string Format(double v) => double.IsNaN(v) ? "" : v.ToString("0.######", CultureInfo.InvariantCulture);
}
