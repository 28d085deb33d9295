using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.Runs;

/// <summary>What a sweep did.</summary>
/// <param name="Planned">Jobs of this shard's part of the plan (the whole plan without sharding).</param>
/// <param name="Skipped">Jobs whose runs had all finished before.</param>
/// <param name="Locked">Jobs another process was running (their lock is held): left to it.</param>
public sealed record SweepSummary(int Planned, int Skipped, int Finished, IReadOnlyList<string> Failures, bool Cancelled, int Locked = 0)
{
    public int ExitCode => Cancelled ? 130 : Failures.Count > 0 ? 1 : 0;
}

/// <summary>
/// Runs an experiment: plan (methods × data sets × categories × seeds), then for each training
/// job fit, predict, evaluate and write the run's files. Finished runs (metrics.json present)
/// are skipped unless forced; every file is written atomically and metrics.json last, so an
/// interrupted sweep resumes where it stopped. A failing job is recorded (error.txt) and the
/// sweep goes on. Before the first job it says which weights every backbone resolves to and stops at once when the
/// packaged network is needed but unusable (<see cref="WeightsPlan"/>). The report (tables, side-by-side, statistics,
/// figures) is rebuilt from all finished runs at the end; a shard of a larger sweep refreshes only the CSV tables and
/// leaves the report to <c>harness report</c>. Either ends with a summary table of every finished run (<see cref="ISweepProgress.Summary"/>).
/// </summary>
public sealed class SweepRunner
{
    private readonly ExperimentConfig _config;
    private readonly string _configFile;
    private readonly MethodRegistry _registry;
    private readonly ISweepProgress _progress;
    private readonly string? _packagedNetworkFolder;

    /// <summary>The (data set, category) test sets this sweep has decoded already: every method and seed reads the same files.</summary>
    private readonly HashSet<(string Dataset, string Category)> _readableTestSets = [];

    /// <param name="packagedNetworkFolder">
    /// where the start-of-sweep check looks for the packaged CNTK network (default: next to the assemblies, where the
    /// methods load it from); tests point it at a broken copy.
    /// </param>
    public SweepRunner(ExperimentConfig config, string configFile, MethodRegistry registry, ISweepProgress progress, string? packagedNetworkFolder = null)
    {
        _config = config;
        _configFile = configFile;
        _registry = registry;
        _progress = progress;
        _packagedNetworkFolder = packagedNetworkFolder;
        Layout = ResultsLayout.For(config, configFile);
    }

    public ResultsLayout Layout { get; }

    /// <param name="shard">the part of the plan to run (<see cref="Shard.All"/> by default).</param>
    public SweepSummary Run(bool force = false, CancellationToken cancellation = default, Shard? shard = null)
    {
        var device = ResolveDevice(_config.Device);
        if (_config.Threads is { } threads) torch.set_num_threads(threads);
        var store = WeightsPlan.StoreOf(_config, _configFile);
        var readers = _config.Datasets.ToDictionary(d => d.DisplayName, OpenReader);
        var jobs = (shard ?? Shard.All).Select(Planner.Plan(_config, d => Categories(d, readers[d.DisplayName])));
        var weights = WeightsPlan.Resolve(_config, store);
        weights.Announce(_progress);
        if (device.Type == DeviceType.CPU && OpenBlasThreading.Describe(torch.blas_library) is { } blas && OpenBlasCoreType.Advice(blas.Core) is { } kernels)
            _progress.Note(kernels);
        SetAsideDamagedResults(jobs);
        var pending = jobs.Where(j => force || !j.Runs.All(Layout.IsFinished)).ToList();
        // A missing or altered packaged network would fail every job that needs it, after others have trained: fail now.
        weights.CheckPackagedNetwork(pending.Select(j => j.Method.Name), _packagedNetworkFolder);

        var started = DateTimeOffset.Now;
        CheckWritable();
        Manifest.Write(Layout, _config, device, started, finished: null);
        _progress.SweepStarted(pending.Count, jobs.Count - pending.Count);
        var failures = new List<string>();
        var finished = 0;
        var locked = 0;
        var finishedElsewhere = 0;
        var cancelled = false;
        for (var i = 0; i < pending.Count; i++)
        {
            var job = pending[i];
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
            using var runLock = RunLock.TryAcquire(Layout.ModelFolder(job), out var holder);
            if (runLock is null)
            {
                locked++;
                _progress.JobStarted(i, job);
                _progress.JobFinished(i, job, $"skipped: {RunLock.Describe(holder)} is running it (lock {Path.Combine(Layout.ModelFolder(job), RunLock.FileName)})");
                continue;
            }
            if (!force && job.Runs.All(Layout.IsFinished))
            {
                // Another shard finished it after this one made its list: counted with the skipped ones, as it would
                // have been had the list been made a moment later.
                finishedElsewhere++;
                continue;
            }
            CleanLeftovers(job);
            _progress.JobStarted(i, job);
            try
            {
                var outcome = RunJob(job, readers[job.Dataset.DisplayName], device, store, cancellation);
                finished++;
                _progress.JobFinished(i, job, outcome);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                _progress.JobFinished(i, job, "stopped; it will run again on the next invocation");
                break;
            }
            catch (Exception e)
            {
                // One bad category or an out-of-memory run must not cost the rest of the sweep.
                failures.Add($"{job}: {e.Message}");
                RecordFailure(job, e);
                _progress.JobFinished(i, job, $"FAILED: {e.Message}");
            }
        }

        var finishedRuns = ExperimentResults.Load(Layout, _config.Experiment);
        // A full disk (or a folder made read-only meanwhile) must not cost the summary of what did run, nor leave the
        // manifest saying the sweep never finished (issue 21): each closing write that fails is a failure of the sweep.
        try
        {
            if (shard is { Count: > 1 } part)
            {
                // Every shard would otherwise redo the whole report (bootstraps over every run) at its end, n times over:
                // shards refresh the cheap CSV tables, the report is built once after all of them.
                if (finishedRuns.Runs.Count > 0) Tables.Write(Layout, finishedRuns.Runs.Select(r => r.Result).ToList());
                _progress.Warning($"shard {part}: tables updated; build the report once every shard has finished: harness report {Layout.Root}");
            }
            else
            {
                ReportBuilder.Build(finishedRuns, ReferenceNumbers.LoadAll(), ReportOptions.From(_config.Report));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"tables and report not written: {e.Message}; free space or fix permissions, then: harness report {Layout.Root}");
            _progress.Warning(failures[^1]);
        }
        if (finishedRuns.Runs.Count > 0) _progress.Summary(ResultsSummary.Of(finishedRuns));
        try
        {
            Manifest.Write(Layout, _config, device, started, DateTimeOffset.Now);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"{Layout.Manifest} not updated: {e.Message}");
            _progress.Warning(failures[^1]);
        }
        return new SweepSummary(jobs.Count, jobs.Count - pending.Count + finishedElsewhere, finished, failures, cancelled, locked);
    }

    /// <summary>
    /// Creates the results folder and writes a probe file in it, so that a read-only folder or an <c>output:</c> below a
    /// regular file is one message naming the field, before anything trains, not a bare I/O error (issue 21).
    /// </summary>
    /// <exception cref="IOException">the folder cannot be created or written.</exception>
    private void CheckWritable()
    {
        try
        {
            Directory.CreateDirectory(Layout.Root);
            var probe = Path.Combine(Layout.Root, $".write-test.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{_configFile}: output: '{_config.Output}': cannot write the results folder {Layout.Root} ({e.Message}); " +
                "point output: at a folder you can write", e);
        }
    }

    private string RunJob(TrainingJob job, IDatasetReader reader, Device device, WeightsStore store, CancellationToken cancellation)
    {
        var categories = job.Categories.Select(reader.Read).ToList();
        // A corrupt test image would otherwise be found when predicting, after the whole fit (issue 21); decoding the
        // test set first is the check of harness datasets --verify and costs seconds. Training images fail the fit at once.
        foreach (var category in categories.Where(c => !_readableTestSets.Contains((job.Dataset.DisplayName, c.Name))))
        {
            var unreadable = DatasetVerifier.Verify(category with { Train = [] }).Where(issue => issue.IsError).ToList();
            if (unreadable.Count > 0)
                throw new InvalidDataException($"{unreadable.Count} test file(s) of '{category.Name}' cannot be read (checked before training): " +
                    string.Join("; ", unreadable.Take(3).Select(issue => $"{issue.Path}: {issue.Message}")) + (unreadable.Count > 3 ? "; ..." : ""));
            _readableTestSets.Add((job.Dataset.DisplayName, category.Name));
        }
        var info = _registry.Get(job.Method.Key);
        var options = job.Method.Options with { Preprocessing = job.Dataset.Apply(job.Method.Options.Preprocessing) };
        var seed = (ulong)job.Seed;
        torch.manual_seed(seed);
        using var method = info.Create(options);
        var log = new RunLog(_progress);
        var testSet = new TestSetEvaluation(_config.Evaluation, device, _progress);
        var intermediate = new IntermediateEvaluation(testSet, categories, options, job.Dataset.DisplayName, _progress, cancellation);

        var meter = MemoryMeter.Start(device);
        var clock = Stopwatch.StartNew();
        method.Fit(categories.SelectMany(c => c.Train).ToList(), new FitContext(device, seed, store, log, cancellation, intermediate));
        var fitSeconds = clock.Elapsed.TotalSeconds - intermediate.Seconds;
        var fitMemory = meter.Stop();
        cancellation.ThrowIfCancellationRequested();
        var modelFolder = Layout.ModelFolder(job);
        Directory.CreateDirectory(modelFolder);
        method.Save(Path.Combine(modelFolder, ResultsLayout.CheckpointFile));
        AtomicFile.WriteAllText(Path.Combine(modelFolder, ResultsLayout.TrainLogFile), log.ToCsv());

        var summary = new StringBuilder();
        foreach (var category in categories)
        {
            var run = new RunKey(job.Dataset.DisplayName, category.Name, job.Method.Name, job.Seed);
            var scored = testSet.Run(category, method, options, cancellation);
            var result = WriteRun(run, job, category, scored, method, options, device, fitSeconds, fitMemory, intermediate, info.PublishedSelection);
            summary.Append(summary.Length == 0 ? "" : "; ").Append(category.Name).Append(": ").Append(Headline(result));
        }
        return summary.ToString();
    }

    private RunResult WriteRun(RunKey run, TrainingJob job, DatasetCategory category, ScoredTestSet scored, IAnomalyMethod method, MethodOptions options,
        Device device, double fitSeconds, PhaseMemory fitMemory, IntermediateEvaluation intermediate, TestSetSelectionRule? publishedSelection)
    {
        var (final, undefined) = TestSetEvaluation.MetricsOf(scored.Evaluation, category, job.Dataset.DisplayName);
        IReadOnlyDictionary<string, double?> metrics = final;
        TestSetSelection? selection = null;
        if (options.Selection == ModelSelection.BestTestEpoch)
        {
            // The config refuses the option for methods without a published rule; a programmatic entry gets the same message.
            var rule = publishedSelection ?? throw new InvalidOperationException(
                $"selection: best_test_epoch: method '{job.Method.Key}' has no published test-set selection; use selection: last");
            (metrics, selection) = TestSetSelection.Apply(rule, final, intermediate.Points(category.Name), intermediate.JobPoints);
        }
        var result = new RunResult
        {
            Experiment = _config.Experiment,
            Dataset = run.Dataset,
            Category = run.Category,
            Method = run.Method,
            MethodKey = job.Method.Key,
            Seed = run.Seed,
            Setting = job.Setting == Setting.Unified ? "unified" : "per_category",
            Profile = job.Method.Profile.ToString().ToLowerInvariant(),
            Metrics = metrics,
            Undefined = undefined,
            Timings = new RunTimings(fitSeconds, scored.PredictSeconds, scored.EvaluateSeconds, scored.Images.Count / Math.Max(scored.ModelSeconds, 1e-9),
                scored.Batch1ImagesPerSecond, options.BatchSize),
            Memory = new RunMemory(fitMemory, scored.Memory),
            Device = device.ToString(),
            Threads = torch.get_num_threads(),
            Weights = method.WeightsProvenance,
            Options = JsonNode.Parse(MethodCheckpoint.OptionsJson(options))!.AsObject(),
            Protocol = new EvaluationProtocol(
                _config.Evaluation.Resolution == EvaluationResolution.Original
                    ? "original image size (maps resized bilinearly)"
                    : $"method input ({options.Preprocessing.OutputSize} px, masks resized nearest)",
                "mask value > 0",
                scored.ImageScoreRule,
                _config.Evaluation.ProLimit,
                scored.Evaluation.Pixel.Aupro.FirstOrDefault()?.Method ?? "not computed"),
            Counts = new RunCounts(category.Train.Count, category.Test.Count, category.AnomalousTestCount),
            FinishedAt = DateTimeOffset.Now,
            IntermediateTestMetrics = intermediate.For(category.Name, selection is not null),
            Selection = selection,
        };

        Directory.CreateDirectory(Layout.RunFolder(run));
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.ScoresFile), ScoresCsv(category.Test, scored.Scores));
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.CurvesFile), CurvesJson(scored.Evaluation));
        WriteMaps(Layout.File(run, ResultsLayout.MapsFile), scored.Images, scored.Labels, scored.Scores);
        if (job.Setting == Setting.Unified)
            AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.TrainLogFile), File.ReadAllText(Path.Combine(Layout.ModelFolder(job), ResultsLayout.TrainLogFile)));
        File.Delete(Layout.File(run, ResultsLayout.ErrorFile));
        // Last: its presence marks the run finished.
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.MetricsFile), result.ToJson());
        return result;
    }

    private static string ScoresCsv(IReadOnlyList<Sample> samples, IReadOnlyList<float> scores)
    {
        var sb = new StringBuilder("path,label,defect_type,score\n");
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            sb.Append(Csv(s.ImagePath)).Append(',').Append((int)s.Label).Append(',').Append(Csv(s.DefectType)).Append(',')
                .Append(scores[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

    private static string CurvesJson(EvaluationResult evaluation)
    {
        static JsonArray Points(Curve? curve) =>
            new(curve?.Points.Select(p => (JsonNode)new JsonArray(Finite(p.X), Finite(p.Y))).ToArray() ?? []);
        static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        var root = new JsonObject
        {
            ["image_roc"] = Points(evaluation.Image.Roc),
            ["image_pr"] = Points(evaluation.Image.PrecisionRecall),
            ["pixel_roc"] = Points(evaluation.Pixel.Roc),
            ["pixel_pr"] = Points(evaluation.Pixel.PrecisionRecall),
            ["pro"] = Points(evaluation.Pixel.Pro),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>Maps as float16 at evaluation resolution with masks, labels and scores: <c>harness evaluate</c> re-reads it.</summary>
    private static void WriteMaps(string path, IReadOnlyList<PixelImage> images, IReadOnlyList<byte> labels, IReadOnlyList<float> scores)
    {
        using var scope = torch.NewDisposeScope();
        using var state = new StateDict();
        var sameSize = images.All(i => i.Height == images[0].Height && i.Width == images[0].Width);
        if (sameSize && images.Count > 0)
        {
            var (h, w) = (images[0].Height, images[0].Width);
            var maps = new float[images.Count * h * w];
            var masks = new byte[maps.Length];
            for (var i = 0; i < images.Count; i++)
            {
                images[i].Map.Span.CopyTo(maps.AsSpan(i * h * w));
                images[i].Mask.Span.CopyTo(masks.AsSpan(i * h * w));
            }
            state.Add("maps", torch.from_array(maps, [images.Count, h, w]).to(ScalarType.Float16));
            state.Add("masks", torch.from_array(masks, [images.Count, h, w]));
        }
        else
        {
            for (var i = 0; i < images.Count; i++)
            {
                state.Add($"maps.{i}", torch.from_array(images[i].Map.ToArray(), [images[i].Height, images[i].Width]).to(ScalarType.Float16));
                state.Add($"masks.{i}", torch.from_array(images[i].Mask.ToArray(), [images[i].Height, images[i].Width]));
            }
        }
        state.Add("labels", torch.from_array(labels.ToArray()));
        state.Add("scores", torch.from_array(scores.ToArray()));
        Safetensors.Save(path, state);
    }

    /// <summary>
    /// A metrics.json that does not parse (a truncated copy, a full disk outside the atomic write) marks nothing finished:
    /// it is moved aside as <c>metrics.json.damaged-&lt;time&gt;</c> for inspection and its run is redone, instead of the
    /// run being skipped and the tables then failing on it (issue 21).
    /// </summary>
    private void SetAsideDamagedResults(IEnumerable<TrainingJob> jobs)
    {
        foreach (var run in jobs.SelectMany(j => j.Runs))
        {
            var metrics = Layout.File(run, ResultsLayout.MetricsFile);
            if (!File.Exists(metrics)) continue;
            try
            {
                RunResult.Read(metrics);
            }
            catch (InvalidDataException e)
            {
                var aside = $"{metrics}.damaged-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}";
                try
                {
                    File.Move(metrics, aside);
                }
                catch (IOException) when (!File.Exists(metrics))
                {
                    // Another shard set it aside first.
                    continue;
                }
                _progress.Warning($"{metrics}: damaged ({e.InnerException?.Message ?? e.Message}); moved to {Path.GetFileName(aside)}, the run will be redone");
            }
        }
    }

    /// <summary>
    /// What kills leave in a job's folders, removed when the job is redone under its lock: AtomicFile's half-written
    /// <c>.NAME.&lt;guid&gt;.tmp</c> files, and all but the newest <c>run.lock.stale-*</c> (kept for inspection).
    /// </summary>
    private void CleanLeftovers(TrainingJob job)
    {
        foreach (var folder in job.Runs.Select(Layout.RunFolder).Append(Layout.ModelFolder(job)).Distinct().Where(Directory.Exists))
        {
            var stale = Directory.GetFiles(folder, RunLock.FileName + ".stale-*").OrderByDescending(File.GetLastWriteTimeUtc).Skip(1);
            foreach (var leftover in Directory.GetFiles(folder, ".*.tmp").Concat(stale))
            {
                try
                {
                    File.Delete(leftover);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _progress.Warning($"{leftover}: left in place ({e.Message})");
                }
            }
        }
    }

    private void RecordFailure(TrainingJob job, Exception e)
    {
        foreach (var run in job.Runs)
        {
            if (Layout.IsFinished(run)) continue;
            Directory.CreateDirectory(Layout.RunFolder(run));
            AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.ErrorFile), $"{DateTimeOffset.Now:O}\n{e}\n");
        }
    }

    private static string Headline(RunResult r)
    {
        static string F(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        return $"I-AUROC {F(r.Metrics.GetValueOrDefault("image_auroc"))}, P-AUROC {F(r.Metrics.GetValueOrDefault("pixel_auroc"))}, " +
               $"AUPRO {F(r.Metrics.GetValueOrDefault(EvaluationResult.AuproKey(r.Protocol.ProLimit)))}";
    }

    private IDatasetReader OpenReader(DatasetConfig dataset)
    {
        var root = dataset.Root is { } r ? ResolvePath(r) : null;
        if (dataset.Kind == "synthetic")
        {
            // Generated on first use; only the categories the experiment names.
            var options = dataset.Synthetic ?? new SyntheticOptions();
            if (dataset.Categories is not ["all"]) options = options with { Categories = dataset.Categories };
            root = SyntheticDataset.EnsureGenerated(options, root);
        }
        if (root is null) throw new ArgumentException($"data set '{dataset.DisplayName}' needs a root: the folder that holds its categories");
        return DatasetReaders.Open(dataset.Kind, root);
    }

    private static IReadOnlyList<string> Categories(DatasetConfig dataset, IDatasetReader reader)
    {
        var available = reader.Categories;
        if (dataset.Categories is ["all"]) return available;
        foreach (var c in dataset.Categories)
        {
            if (!available.Contains(c))
                throw new ArgumentException($"data set '{dataset.DisplayName}' ({reader.Root}) has no category '{c}'; it has: {string.Join(", ", available)}");
        }
        return dataset.Categories;
    }

    private static Device ResolveDevice(string text) =>
        text == "auto" ? torch.cuda.is_available() ? Device.CUDA(0) : Device.CPU : Device.Parse(text);

    private string ResolvePath(string path) => ConfigPaths.Resolve(_configFile, path);
}
