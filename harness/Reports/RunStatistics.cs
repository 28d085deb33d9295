using AnomalyBench.Metrics.Statistics;

namespace AnomalyBench.Harness.Reports;

/// <summary>How the report's statistics are computed; every field is recorded in the report's footer.</summary>
/// <param name="BootstrapReplicates">B of the pixel-level cluster bootstrap (issue: 1000).</param>
/// <param name="BootstrapSeed">The bootstrap's seed, so that intervals are reproducible.</param>
/// <param name="Level">Confidence level of every interval.</param>
/// <param name="Alpha">Significance level of the paired DeLong test against the best method.</param>
public sealed record StatisticsOptions(int BootstrapReplicates = 1000, int BootstrapSeed = 0, double Level = 0.95, double Alpha = 0.05);

/// <summary>Everything that shapes a report: its statistics and how many test images each heat-map grid shows.</summary>
public sealed record ReportOptions(StatisticsOptions Statistics, int HeatmapImages = 8)
{
    /// <summary>The options an experiment file's <c>report:</c> block gives.</summary>
    public static ReportOptions From(Config.ReportConfig config) =>
        new(new StatisticsOptions(config.BootstrapReplicates, config.BootstrapSeed), config.HeatmapImages);
}

/// <summary>A run's AUROCs with their intervals: image level by DeLong, pixel level by a cluster bootstrap over images; a reason where one is undefined.</summary>
public sealed record RunConfidence(FinishedRun Run, DeLongAuroc? Image, string? ImageUndefined, BootstrapInterval? Pixel, string? PixelUndefined);

/// <summary>A method's paired DeLong test against the best method (highest I-AUROC) of the same category and seed.</summary>
public sealed record PairedComparison(string Dataset, string Category, int Seed, string Method, string Best, DeLongPairedTest Test, bool SignificantlyWorse);

/// <summary>The per-run intervals and the paired tests of an experiment, from the runs' scores and maps files.</summary>
public static class RunStatistics
{
    public static IReadOnlyList<RunConfidence> Intervals(ExperimentResults results, StatisticsOptions options)
    {
        var intervals = new List<RunConfidence>(results.Runs.Count);
        foreach (var run in results.Runs)
        {
            DeLongAuroc? image = null;
            BootstrapInterval? pixel = null;
            string? imageWhy = null, pixelWhy = null;
            try
            {
                var scores = run.ReadScores();
                image = DeLongAuroc.Compute(scores.Select(s => s.Score).ToArray(), scores.Select(s => s.Label).ToArray(), options.Level);
            }
            catch (ArgumentException e)
            {
                imageWhy = e.Message;
            }
            if (run.Metric("pixel_auroc") is null)
            {
                pixelWhy = run.Result.Undefined.TryGetValue("pixel_auroc", out var why) ? why : "no pixel AUROC";
            }
            else
            {
                try
                {
                    pixel = ClusterBootstrap.PixelAuroc(run.ReadMaps().Pixels, options.BootstrapReplicates, options.BootstrapSeed, options.Level);
                }
                catch (ArgumentException e)
                {
                    pixelWhy = e.Message;
                }
            }
            intervals.Add(new RunConfidence(run, image, imageWhy, pixel, pixelWhy));
        }
        return intervals;
    }

    private static Dictionary<string, ScoredImage> ByImage(IReadOnlyList<ScoredImage> scores) =>
        scores.GroupBy(s => ImageKey(s.Path)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The last three parts of an image's path (<c>test/crack/000.png</c>): its identity within a category.</summary>
    internal static string ImageKey(string path) =>
        string.Join('/', path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));

    /// <summary>
    /// For every data set, category and seed: the method with the highest I-AUROC, and each other method's paired
    /// DeLong test against it on the same test images (scores.csv joined by image path); runs whose test images differ are not compared,
    /// nor runs whose numbers the test set informed (<see cref="TestSetUse"/>).
    /// </summary>
    public static IReadOnlyList<PairedComparison> AgainstBest(ExperimentResults results, StatisticsOptions options)
    {
        var comparisons = new List<PairedComparison>();
        foreach (var group in results.Runs.GroupBy(r => (r.Result.Dataset, r.Result.Category, r.Result.Seed)))
        {
            // Numbers the test set informed are never ranked against the others (TestSetUse).
            var runs = group.Where(r => r.Metric("image_auroc") is not null && !r.Result.UsesTestSet).ToList();
            if (runs.Count < 2) continue;
            var best = runs.OrderByDescending(r => r.Metric("image_auroc")!.Value).ThenBy(r => r.Result.Method, StringComparer.Ordinal).First();
            var bestScores = ByImage(best.ReadScores());
            foreach (var run in runs.Where(r => r != best))
            {
                var scores = run.ReadScores();
                // Runs of one category scored the same test images, possibly from another copy of the data set (a
                // regenerated synthetic set, a moved folder): images are matched by their path within the category.
                if (scores.Count != bestScores.Count || scores.Any(s => !bestScores.TryGetValue(ImageKey(s.Path), out var b) || b.Label != s.Label)) continue;
                DeLongPairedTest test;
                try
                {
                    test = DeLongPairedTest.Compute(
                        scores.Select(s => s.Score).ToArray(), scores.Select(s => bestScores[ImageKey(s.Path)].Score).ToArray(), scores.Select(s => s.Label).ToArray());
                }
                catch (ArgumentException)
                {
                    // Fewer than two anomalous or normal images: no variance, no test (the interval table says why).
                    continue;
                }
                comparisons.Add(new PairedComparison(group.Key.Dataset, group.Key.Category, group.Key.Seed, run.Result.Method, best.Result.Method, test,
                    test.P < options.Alpha && test.Difference < 0));
            }
        }
        return comparisons;
    }
}
