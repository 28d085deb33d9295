using System.Diagnostics;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.Runs;

/// <summary>A category's test set predicted and evaluated: per-image maps with masks, scores, labels, the metrics and the time each part took.</summary>
/// <param name="ModelSeconds">Time inside the method's Predict at the configured batch size (CUDA synchronised).</param>
/// <param name="ImageScoreRule">How the image scores were made: the method's own, or (transductive) rescored with test-set statistics.</param>
/// <param name="Batch1ImagesPerSecond">Predict throughput one image at a time on the warm model; null when not measured.</param>
internal sealed record ScoredTestSet(
    IReadOnlyList<PixelImage> Images,
    IReadOnlyList<float> Scores,
    IReadOnlyList<byte> Labels,
    EvaluationResult Evaluation,
    double PredictSeconds,
    double EvaluateSeconds,
    double ModelSeconds,
    double? Batch1ImagesPerSecond,
    PhaseMemory Memory,
    string ImageScoreRule);

/// <summary>
/// Predicts a category's test set with a method and evaluates it under the experiment's protocol (resolution, AUPRO
/// limits). The final evaluation of every run and the intermediate ones of <c>eval_every</c> go through here, so both
/// measure the same thing.
/// </summary>
internal sealed class TestSetEvaluation(EvaluationConfig config, Device device, ISweepProgress progress)
{
    /// <summary>Images timed one at a time for the batch-1 throughput (after one warm-up image).</summary>
    private const int Batch1Images = 16;

    public bool AtOriginalSize => config.Resolution == EvaluationResolution.Original;

    /// <param name="measureCost">time batch 1 and measure peak memory (the final evaluation; intermediate ones skip it).</param>
    public ScoredTestSet Run(DatasetCategory category, IAnomalyMethod method, MethodOptions options, CancellationToken cancellation, bool measureCost = true)
    {
        var images = new List<PixelImage>(category.Test.Count);
        var scores = new List<float>(category.Test.Count);
        var labels = new List<byte>(category.Test.Count);
        // A method whose published score is normalised over the test set (transductive) rescores once every image is in.
        var transductive = method is ITestSetScoring { UsesTestSetStatistics: true } rescoring ? rescoring : null;
        var parts = new List<float[]>();
        var meter = MemoryMeter.Start(device);
        var model = new Stopwatch();
        var clock = Stopwatch.StartNew();
        using (var loader = new DataLoader(category.Test, options.Preprocessing, device, new LoaderOptions(BatchSize: options.BatchSize)))
        {
            foreach (var batch in loader)
            {
                cancellation.ThrowIfCancellationRequested();
                progress.Phase($"predict {category.Name}", images.Count, category.Test.Count);
                using var scope = torch.NewDisposeScope();
                model.Start();
                using var prediction = method.Predict(batch.Images);
                Synchronize();
                model.Stop();
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
                    images.Add(AtOriginalSize ? ToOriginalSize(map, (int)size, batch.Samples[b], batch.OriginalSizes[b]) : new PixelImage(map, mask, (int)size, (int)size));
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
        progress.Phase($"predict {category.Name}", images.Count, category.Test.Count);
        var memory = meter.Stop();
        var batch1 = measureCost ? Batch1Throughput(category, method, options, cancellation) : null;

        cancellation.ThrowIfCancellationRequested();
        progress.Phase($"evaluate {category.Name}", 0, 1);
        clock.Restart();
        var limits = new[] { config.ProLimit, 0.3, 0.05 }.Distinct().ToArray();
        var evaluation = Evaluation.Evaluate(new PixelSet(images), labels.ToArray(), scores.ToArray(), new PixelMetricsOptions { AuproLimits = limits, PerImageAupro = config.PerImageAupro });
        progress.Phase($"evaluate {category.Name}", 1, 1);
        return new ScoredTestSet(images, scores, labels, evaluation, predictSeconds, clock.Elapsed.TotalSeconds, model.Elapsed.TotalSeconds, batch1, memory,
            transductive?.TestSetProtocol ?? "the method's image score");
    }

    /// <summary>Images per second of Predict one image at a time: one warm-up image, then up to 16 timed ones.</summary>
    private double? Batch1Throughput(DatasetCategory category, IAnomalyMethod method, MethodOptions options, CancellationToken cancellation)
    {
        var samples = category.Test.Take(Batch1Images + 1).ToList();
        if (samples.Count < 2) return null;
        progress.Phase($"batch-1 throughput {category.Name}", 0, samples.Count - 1);
        var model = new Stopwatch();
        var timed = 0;
        var warmUp = true;
        using var loader = new DataLoader(samples, options.Preprocessing, device, new LoaderOptions(BatchSize: 1));
        foreach (var batch in loader)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            if (!warmUp) model.Start();
            using var prediction = method.Predict(batch.Images);
            Synchronize();
            if (!warmUp)
            {
                model.Stop();
                timed++;
            }
            warmUp = false;
        }
        return timed == 0 ? null : timed / Math.Max(model.Elapsed.TotalSeconds, 1e-9);
    }

    private static IEnumerable<float[]> ScoreParts(Prediction prediction)
    {
        var partsTensor = prediction.ScoreParts
            ?? throw new InvalidOperationException("a method that rescores with test-set statistics must return score parts with each prediction");
        var count = (int)partsTensor.size(1);
        var values = partsTensor.to(Device.CPU, ScalarType.Float32).contiguous().data<float>();
        return Enumerable.Range(0, (int)partsTensor.size(0)).Select(b => values.AsSpan(b * count, count).ToArray());
    }

    private void Synchronize()
    {
        if (device.Type == DeviceType.CUDA) torch.cuda.synchronize(Math.Max(device.Index, 0));
    }

    /// <summary>
    /// Metric key → value (null when undefined) and key → why it is undefined; pixel metrics of a data set without
    /// pixel masks are "not applicable" rather than computed on empty masks.
    /// </summary>
    public static (Dictionary<string, double?> Metrics, Dictionary<string, string> Undefined) MetricsOf(EvaluationResult evaluation, DatasetCategory category, string dataset)
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

    private static PixelImage ToOriginalSize(float[] map, int size, Sample sample, (int Height, int Width) original)
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.from_array(map, [1, 1, size, size]);
        var resized = F.interpolate(t, [original.Height, original.Width], mode: "bilinear", align_corners: false);
        var mask = ImagePipeline.ReadMaskAtOriginalSize(sample);
        return new PixelImage(resized.contiguous().data<float>(), mask.to(ScalarType.Byte).contiguous().data<byte>(), original.Height, original.Width);
    }
}
