using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>A finished run as reports see it: its metrics.json and the folder that holds its other files.</summary>
public sealed record FinishedRun(RunResult Result, string Folder)
{
    public RunKey Key => new(Result.Dataset, Result.Category, Result.Method, Result.Seed);

    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>The run's per-image scores (scores.csv).</summary>
    public IReadOnlyList<ScoredImage> ReadScores() => ScoredImage.ReadCsv(File(ResultsLayout.ScoresFile));

    /// <summary>The run's maps, masks, labels and scores at evaluation resolution (maps.safetensors).</summary>
    public RunMaps ReadMaps() => RunMaps.Read(File(ResultsLayout.MapsFile));

    /// <summary>A metric's value, or null when the run has none (undefined or not computed).</summary>
    public double? Metric(string key) => Result.Metrics.TryGetValue(key, out var v) ? v : null;
}
