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
        Validation.RequireBinary(input.Labels, "labels");
        if (input.Scores is { } given) Validation.RequireNoNaN(given, "scores");

        var set = PixelSet.FromContiguous(input.Maps, input.Masks, input.Count, input.Height, input.Width);
        set.Validate(options.MaxDegreeOfParallelism);

        var scores = input.Scores ?? MaxOfEachMap(set);
        var warnings = new List<string>();
        var labels = input.Labels;
        for (var i = 0; i < set.Images.Count; i++)
        {
            var hasDefect = set.Images[i].Mask.Span.IndexOfAnyExcept((byte)0) >= 0;
            if (labels[i] == 0 && hasDefect)
                warnings.Add($"image {i} is labelled normal (0) but its mask marks defect pixels");
        }

        var image = ImageMetrics.Compute(scores, labels);
        var pixel = PixelMetrics.Compute(set, options);
        return new EvaluationResult(image, pixel, input.Scores is null, warnings);
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
