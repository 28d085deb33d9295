namespace AnomalyBench.Harness.Runs;

/// <summary>
/// Where an experiment's files live (ARCHITECTURE.md, "Results layout"):
/// <c>&lt;output&gt;/&lt;experiment&gt;/&lt;dataset&gt;/&lt;category&gt;/&lt;method&gt;/seed&lt;k&gt;/</c> per run,
/// <c>tables/</c>, <c>plots/</c>, <c>heatmaps/</c>, <c>report/</c> and <c>manifest.json</c> beside them. A run is finished when its
/// <c>metrics.json</c> exists; every file is written atomically, metrics.json last.
/// </summary>
public sealed class ResultsLayout(string experimentFolder)
{
    public const string MetricsFile = "metrics.json";
    public const string ScoresFile = "scores.csv";
    public const string CurvesFile = "curves.json";
    public const string TrainLogFile = "train_log.csv";
    public const string MapsFile = "maps.safetensors";
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string ErrorFile = "error.txt";

    public string Root { get; } = Path.GetFullPath(experimentFolder);

    /// <summary>The layout of an experiment file's results: <c>&lt;output&gt;/&lt;experiment&gt;</c>, output relative to the file.</summary>
    public static ResultsLayout For(Config.ExperimentConfig config, string configFile) =>
        new(Path.Combine(Config.ConfigPaths.Resolve(configFile, config.Output), config.Experiment));

    public string Tables => Path.Combine(Root, "tables");

    public string Plots => Path.Combine(Root, "plots");

    /// <summary>The report: side-by-side and statistics Markdown, report.html.</summary>
    public string Report => Path.Combine(Root, "report");

    public string HeatMaps => Path.Combine(Root, "heatmaps");

    public string Manifest => Path.Combine(Root, "manifest.json");

    public string RunFolder(RunKey run) => Path.Combine(Root, run.Dataset, run.Category, run.Method, $"seed{run.Seed}");

    public string File(RunKey run, string name) => Path.Combine(RunFolder(run), name);

    public bool IsFinished(RunKey run) => System.IO.File.Exists(File(run, MetricsFile));

    /// <summary>The folder of a job's fitted model (its checkpoint and training log).</summary>
    public string ModelFolder(TrainingJob job) =>
        Path.Combine(Root, job.Dataset.DisplayName, job.ModelScope, job.Method.Name, $"seed{job.Seed}");

    /// <summary>Every finished run's metrics file under the experiment.</summary>
    public IEnumerable<string> FinishedMetricsFiles() =>
        Directory.Exists(Root) ? Directory.EnumerateFiles(Root, MetricsFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [];
}
