namespace AnomalyBench.Metrics;

/// <summary>
/// The module's entry point: image-level and pixel-level metrics of one set from plain arrays,
/// after checking the inputs (shapes, masks and labels 0/1, no NaN scores) and naming the
/// offending input when they are wrong.
/// </summary>
public static class Evaluation
{
    public static EvaluationResult Evaluate(EvaluationInput input, PixelMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new PixelMetricsOptions();
        input.CheckLengths();

        var set = PixelSet.FromContiguous(input.Maps, input.Masks, input.Count, input.Height, input.Width);
        return Evaluate(set, input.Labels, input.Scores, options);
    }

    /// <summary>
    /// The same for images of different sizes (evaluation at each image's original resolution):
    /// <paramref name="labels"/> [N] of 0/1, <paramref name="scores"/> [N] or null for the max of each map.
    /// </summary>
    public static EvaluationResult Evaluate(PixelSet set, byte[] labels, float[]? scores, PixelMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new PixelMetricsOptions();
        if (labels.Length != set.Images.Count)
            throw new ArgumentException($"labels has {labels.Length} values but there are {set.Images.Count} images", nameof(labels));
        if (scores is not null && scores.Length != set.Images.Count)
            throw new ArgumentException($"scores has {scores.Length} values but there are {set.Images.Count} images", nameof(scores));
        Validation.RequireBinary(labels, "labels");
        if (scores is not null) Validation.RequireNoNaN(scores, "scores");
        set.Validate(options.MaxDegreeOfParallelism);

        var given = scores;
        scores ??= MaxOfEachMap(set);
        var warnings = new List<string>();
        for (var i = 0; i < set.Images.Count; i++)
        {
            var hasDefect = set.Images[i].Mask.Span.IndexOfAnyExcept((byte)0) >= 0;
            if (labels[i] == 0 && hasDefect)
                warnings.Add($"image {i} is labelled normal (0) but its mask marks defect pixels");
        }

        var image = ImageMetrics.Compute(scores, labels);
        var pixel = PixelMetrics.Compute(set, options);
        var perImage = options.PerImageAupro ? Metrics.PerImageAupro.Compute(set) : (MetricValue?)null;
        return new EvaluationResult(image, pixel, given is null, warnings) { PerImageAupro = perImage };
    }

    /// <summary>The image score of the MVTec AD protocol: the max of each map (-∞ for an empty map).</summary>
    public static float[] MaxOfEachMap(PixelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var scores = new float[set.Images.Count];
        Parallel.For(0, scores.Length, i =>
        {
            var max = float.NegativeInfinity;
            foreach (var v in set.Images[i].Map.Span)
                if (v > max) max = v;
            scores[i] = max;
        });
        return scores;
    }
}
