using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// The content of a run's <c>metrics.json</c>: every metric (null when undefined, with the
/// reason under <see cref="Undefined"/>), timings, device, weights, the hyper-parameters and the
/// evaluation protocol. Reports read only these files.
/// </summary>
public sealed record RunResult
{
    public required string Experiment { get; init; }
    public required string Dataset { get; init; }
    public required string Category { get; init; }
    public required string Method { get; init; }
    public required string MethodKey { get; init; }
    public required int Seed { get; init; }
    public required string Setting { get; init; }
    public required string Profile { get; init; }

    /// <summary>Metric key → value; null when undefined for this set.</summary>
    public required IReadOnlyDictionary<string, double?> Metrics { get; init; }

    /// <summary>Metric key → why it is undefined (e.g. no anomalous pixel in an image-level set).</summary>
    public IReadOnlyDictionary<string, string> Undefined { get; init; } = new Dictionary<string, string>();

    public required RunTimings Timings { get; init; }

    /// <summary>Peak memory of fit and predict (absent in runs written before it was measured).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunMemory? Memory { get; init; }
    public required string Device { get; init; }
    public required int Threads { get; init; }

    /// <summary>Where the backbone's weights came from: a file and its SHA-256, or "random (seed N)".</summary>
    public required string Weights { get; init; }

    /// <summary>The method's hyper-parameters as run (JSON object).</summary>
    public required JsonObject Options { get; init; }

    public required EvaluationProtocol Protocol { get; init; }
    public required RunCounts Counts { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Test-set metrics during training (a method's <c>eval_every</c>), labelled as such; absent when not asked for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IntermediateTestMetrics? IntermediateTestMetrics { get; init; }

    /// <summary>The published test-set selection the run reproduces (<c>selection: best_test_epoch</c>); absent for <c>last</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TestSetSelection? Selection { get; init; }

    /// <summary>
    /// Whether the test set informed the reported numbers beyond scoring each image: a test-set selection, or image scores
    /// normalised with test-set statistics (transductive). Such runs are marked in every table and never ranked.
    /// </summary>
    [JsonIgnore]
    public bool UsesTestSet => Selection is not null || IsTransductive;

    /// <summary>Whether the image scores were normalised with statistics of the whole test set (<c>protocol.image_score</c> says so).</summary>
    [JsonIgnore]
    public bool IsTransductive => Protocol.ImageScore.StartsWith("transductive", StringComparison.Ordinal);

    /// <summary>The run's <c>selection</c> as tables show it.</summary>
    [JsonIgnore]
    public string SelectionValue => Selection is null ? "last" : TestSetSelection.TableValue;

    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunResult Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunResult>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty metrics file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a metrics.json written by this harness ({e.Message}); delete it to rerun the run", e);
        }
    }
}

/// <summary>Seconds per phase, and prediction throughput.</summary>
/// <param name="FitSeconds">Wall time of Fit (intermediate evaluations excluded).</param>
/// <param name="PredictSeconds">Wall time of the predict phase: loading and pre-processing the test images, the model, copying maps.</param>
/// <param name="EvaluateSeconds">Wall time of the metrics.</param>
/// <param name="PredictImagesPerSecond">Test images per second of the method's Predict alone (model and its post-processing, CUDA synchronised) at <paramref name="PredictBatchSize"/>.</param>
/// <param name="PredictImagesPerSecondBatch1">The same one image at a time on a warm model (up to 16 test images).</param>
/// <param name="PredictBatchSize">The configured batch size of the predict phase.</param>
public sealed record RunTimings(
    double FitSeconds,
    double PredictSeconds,
    double EvaluateSeconds,
    double PredictImagesPerSecond,
    double? PredictImagesPerSecondBatch1 = null,
    int? PredictBatchSize = null);

/// <summary>How maps were compared with ground truth, so tables can say which numbers are comparable.</summary>
public sealed record EvaluationProtocol(string Resolution, string MaskBinarisation, string ImageScore, double ProLimit, string Aupro);

public sealed record RunCounts(int Train, int Test, int TestAnomalous);
