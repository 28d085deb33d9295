using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.Runs;

/// <summary>What a sweep did.</summary>
public sealed record SweepSummary(int Planned, int Skipped, int Finished, IReadOnlyList<string> Failures, bool Cancelled)
{
    public int ExitCode => Cancelled ? 130 : Failures.Count > 0 ? 1 : 0;
}

/// <summary>
/// Runs an experiment: plan (methods × data sets × categories × seeds), then for each training
/// job fit, predict, evaluate and write the run's files. Finished runs (metrics.json present)
/// are skipped unless forced; every file is written atomically and metrics.json last, so an
/// interrupted sweep resumes where it stopped. A failing job is recorded (error.txt) and the
/// sweep goes on. Tables are rebuilt from all finished runs at the end.
/// </summary>
public sealed class SweepRunner
{
    private readonly ExperimentConfig _config;
    private readonly string _configFile;
    private readonly MethodRegistry _registry;
    private readonly ISweepProgress _progress;

    public SweepRunner(ExperimentConfig config, string configFile, MethodRegistry registry, ISweepProgress progress)
    {
        _config = config;
        _configFile = configFile;
        _registry = registry;
        _progress = progress;
        Layout = ResultsLayout.For(config, configFile);
    }

    public ResultsLayout Layout { get; }

    public SweepSummary Run(bool force = false, CancellationToken cancellation = default)
    {
        var device = ResolveDevice(_config.Device);
        if (_config.Threads is { } threads) torch.set_num_threads(threads);
        var store = new WeightsStore(_config.WeightsFolder is { } w ? ResolvePath(w) : WeightsStore.DefaultFolder());
        var readers = _config.Datasets.ToDictionary(d => d.DisplayName, OpenReader);
        var jobs = Planner.Plan(_config, d => Categories(d, readers[d.DisplayName]));
        WarnAboutRandomWeights(store);

        var started = DateTimeOffset.Now;
        Manifest.Write(Layout, _config, device, started, finished: null);
        var pending = jobs.Where(j => force || !j.Runs.All(Layout.IsFinished)).ToList();
        _progress.SweepStarted(pending.Count, jobs.Count - pending.Count);
        var failures = new List<string>();
        var finished = 0;
        var cancelled = false;
        for (var i = 0; i < pending.Count; i++)
        {
            var job = pending[i];
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
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

        var results = Layout.FinishedMetricsFiles().Select(RunResult.Read).Where(r => r.Experiment == _config.Experiment).ToList();
        if (results.Count > 0) Tables.Write(Layout, results);
        Manifest.Write(Layout, _config, device, started, DateTimeOffset.Now);
        return new SweepSummary(jobs.Count, jobs.Count - pending.Count, finished, failures, cancelled);
    }

    private string RunJob(TrainingJob job, IDatasetReader reader, Device device, WeightsStore store, CancellationToken cancellation)
    {
        var categories = job.Categories.Select(reader.Read).ToList();
        var info = _registry.Get(job.Method.Key);
        var options = job.Method.Options with { Preprocessing = job.Dataset.Apply(job.Method.Options.Preprocessing) };
        var seed = (ulong)job.Seed;
        torch.manual_seed(seed);
        using var method = info.Create(options);
        var log = new RunLog(_progress);

        var clock = Stopwatch.StartNew();
        method.Fit(categories.SelectMany(c => c.Train).ToList(), new FitContext(device, seed, store, log, cancellation));
        var fitSeconds = clock.Elapsed.TotalSeconds;
        cancellation.ThrowIfCancellationRequested();
        var modelFolder = Layout.ModelFolder(job);
        Directory.CreateDirectory(modelFolder);
        method.Save(Path.Combine(modelFolder, ResultsLayout.CheckpointFile));
        AtomicFile.WriteAllText(Path.Combine(modelFolder, ResultsLayout.TrainLogFile), log.ToCsv());

        var summary = new StringBuilder();
        foreach (var category in categories)
        {
            var run = new RunKey(job.Dataset.DisplayName, category.Name, job.Method.Name, job.Seed);
            var result = EvaluateRun(run, job, category, method, options, device, fitSeconds, cancellation);
            summary.Append(summary.Length == 0 ? "" : "; ").Append(category.Name).Append(": ").Append(Headline(result));
        }
        return summary.ToString();
    }

    private RunResult EvaluateRun(RunKey run, TrainingJob job, DatasetCategory category, IAnomalyMethod method, MethodOptions options,
        Device device, double fitSeconds, CancellationToken cancellation)
    {
        var original = _config.Evaluation.Resolution == EvaluationResolution.Original;
        var images = new List<PixelImage>(category.Test.Count);
        var scores = new List<float>(category.Test.Count);
        var labels = new List<byte>(category.Test.Count);
        // A method whose published score is normalised over the test set (transductive) rescores once every image is in.
        var transductive = method is ITestSetScoring { UsesTestSetStatistics: true } rescoring ? rescoring : null;
        var parts = new List<float[]>();
        var clock = Stopwatch.StartNew();
        using (var loader = new DataLoader(category.Test, options.Preprocessing, device, new LoaderOptions(BatchSize: options.BatchSize)))
        {
            foreach (var batch in loader)
            {
                cancellation.ThrowIfCancellationRequested();
                _progress.Phase($"predict {category.Name}", images.Count, category.Test.Count);
                using var scope = torch.NewDisposeScope();
                using var prediction = method.Predict(batch.Images);
                var size = batch.Images.size(2);
                var maps = prediction.Maps;
                // Methods answer at their own input resolution; evaluation wants the batch's.
                if (maps.size(1) != size || maps.size(2) != size)
                    maps = F.interpolate(maps.unsqueeze(1), [size, size], mode: "bilinear", align_corners: false).squeeze(1);
                var mapValues = maps.to(Device.CPU, ScalarType.Float32).contiguous().data<float>();
                var maskValues = batch.Masks.to(Device.CPU).contiguous().data<byte>();
                scores.AddRange(prediction.Scores.to(Device.CPU, ScalarType.Float32).data<float>());
                if (transductive is not null) parts.AddRange(ScoreParts(prediction));
                labels.AddRange(batch.Labels.to(Device.CPU).data<long>().Select(l => (byte)l));
                var n = (int)(size * size);
                for (var b = 0; b < batch.Count; b++)
                {
                    var map = mapValues.AsSpan(b * n, n).ToArray();
                    var mask = maskValues.AsSpan(b * n, n).ToArray();
                    images.Add(original ? AtOriginalSize(map, (int)size, batch.Samples[b], batch.OriginalSizes[b]) : new PixelImage(map, mask, (int)size, (int)size));
                }
            }
        }
        if (transductive is not null)
        {
            var rescored = transductive.Rescore(parts);
            scores.Clear();
            scores.AddRange(rescored);
        }
        var predictSeconds = clock.Elapsed.TotalSeconds;
        _progress.Phase($"predict {category.Name}", images.Count, category.Test.Count);

        cancellation.ThrowIfCancellationRequested();
        _progress.Phase($"evaluate {category.Name}", 0, 1);
        clock.Restart();
        var limits = new[] { _config.Evaluation.ProLimit, 0.3, 0.05 }.Distinct().ToArray();
        var evaluation = Evaluation.Evaluate(new PixelSet(images), labels.ToArray(), scores.ToArray(), new PixelMetricsOptions { AuproLimits = limits });
        var evaluateSeconds = clock.Elapsed.TotalSeconds;
        _progress.Phase($"evaluate {category.Name}", 1, 1);

        var (metrics, undefined) = MetricsOf(evaluation, category, job.Dataset.DisplayName);
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
            Timings = new RunTimings(fitSeconds, predictSeconds, evaluateSeconds, images.Count / Math.Max(predictSeconds, 1e-9)),
            Device = device.ToString(),
            Threads = torch.get_num_threads(),
            Weights = method.WeightsProvenance,
            Options = JsonNode.Parse(MethodCheckpoint.OptionsJson(options))!.AsObject(),
            Protocol = new EvaluationProtocol(
                original ? "original image size (maps resized bilinearly)" : $"method input ({options.Preprocessing.OutputSize} px, masks resized nearest)",
                "mask value > 0",
                transductive?.TestSetProtocol ?? "the method's image score",
                _config.Evaluation.ProLimit,
                evaluation.Pixel.Aupro.FirstOrDefault()?.Method ?? "not computed"),
            Counts = new RunCounts(category.Train.Count, category.Test.Count, category.AnomalousTestCount),
            FinishedAt = DateTimeOffset.Now,
        };

        Directory.CreateDirectory(Layout.RunFolder(run));
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.ScoresFile), ScoresCsv(category.Test, scores));
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.CurvesFile), CurvesJson(evaluation));
        WriteMaps(Layout.File(run, ResultsLayout.MapsFile), images, labels, scores);
        if (job.Setting == Setting.Unified)
            AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.TrainLogFile), File.ReadAllText(Path.Combine(Layout.ModelFolder(job), ResultsLayout.TrainLogFile)));
        File.Delete(Layout.File(run, ResultsLayout.ErrorFile));
        // Last: its presence marks the run finished.
        AtomicFile.WriteAllText(Layout.File(run, ResultsLayout.MetricsFile), result.ToJson());
        return result;
    }

    private static IEnumerable<float[]> ScoreParts(Prediction prediction)
    {
        var partsTensor = prediction.ScoreParts
            ?? throw new InvalidOperationException("a method that rescores with test-set statistics must return score parts with each prediction");
        var count = (int)partsTensor.size(1);
        var values = partsTensor.to(Device.CPU, ScalarType.Float32).contiguous().data<float>();
        return Enumerable.Range(0, (int)partsTensor.size(0)).Select(b => values.AsSpan(b * count, count).ToArray());
    }

    private static PixelImage AtOriginalSize(float[] map, int size, Sample sample, (int Height, int Width) original)
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.from_array(map, [1, 1, size, size]);
        var resized = F.interpolate(t, [original.Height, original.Width], mode: "bilinear", align_corners: false);
        var mask = ImagePipeline.ReadMaskAtOriginalSize(sample);
        return new PixelImage(resized.contiguous().data<float>(), mask.to(ScalarType.Byte).contiguous().data<byte>(), original.Height, original.Width);
    }

    private static (Dictionary<string, double?> Metrics, Dictionary<string, string> Undefined) MetricsOf(EvaluationResult evaluation, DatasetCategory category, string dataset)
    {
        var metrics = new Dictionary<string, double?>(StringComparer.Ordinal);
        var undefined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in evaluation.Values)
        {
            var pixelLevel = key.StartsWith("pixel", StringComparison.Ordinal) || key.StartsWith("aupro", StringComparison.Ordinal);
            if (pixelLevel && !category.HasPixelMasks)
            {
                metrics[key] = null;
                undefined[key] = $"not applicable: {dataset} is an image-level data set without pixel masks";
            }
            else if (value.IsDefined)
            {
                metrics[key] = value.Value;
            }
            else
            {
                metrics[key] = null;
                undefined[key] = value.UndefinedReason!;
            }
        }
        return (metrics, undefined);
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

    private void WarnAboutRandomWeights(WeightsStore store)
    {
        foreach (var entry in _config.Methods)
        {
            if (entry.Options is not IBackboneOptions b) continue;
            var auto = b.Weights.Equals("auto", StringComparison.OrdinalIgnoreCase);
            if (b.Weights.Equals("random", StringComparison.OrdinalIgnoreCase) || (auto && store.Find(b.Backbone) is null))
            {
                _progress.Warning($"{entry.Name}: {b.Backbone} runs with RANDOM weights (seeded){(auto ? $": no pretrained file in {store.Folder}" : "")}; " +
                                  "results are not comparable with the paper and say so in every row. `harness weights` shows what the store has.");
            }
        }
    }

    private static Device ResolveDevice(string text) =>
        text == "auto" ? torch.cuda.is_available() ? Device.CUDA(0) : Device.CPU : Device.Parse(text);

    private string ResolvePath(string path) => ConfigPaths.Resolve(_configFile, path);
}
