namespace AnomalyBench.Metrics;

/// <summary>
/// I-AUROC, AP, AUPR and F1-max of image scores against image labels (1 = anomalous), exact,
/// with ties as scikit-learn handles them (<c>_binary_clf_curve</c>: one point per distinct
/// score). Scores are used as they are: no sigmoid, no clamping (anomalib #3407).
/// </summary>
public static class ImageMetrics
{
    public static ImageMetricsResult Compute(ReadOnlySpan<float> scores, ReadOnlySpan<byte> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}; they must have one value per image", nameof(labels));
        Validation.RequireBinary(labels, "labels");
        Validation.RequireNoNaN(scores, "scores");

        // Sort (score key, label) ascending and walk it from the top: the label is the low bit,
        // so one ulong sort groups equal scores together.
        var entries = new ulong[scores.Length];
        var positives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            entries[i] = ((ulong)ScoreKey.FromScore(scores[i]) << 1) | labels[i];
            positives += labels[i];
        }
        Array.Sort(entries);

        var totals = new CurveTotals(scores.Length - positives, positives, 0);
        var walker = new CurveAccumulator(totals, default, [], cells: 0, withPro: false, first: true);
        var end = entries.Length;
        while (end > 0)
        {
            var key = entries[end - 1] >> 1;
            var start = end - 1;
            while (start > 0 && entries[start - 1] >> 1 == key) start--;
            long pos = 0;
            for (var i = start; i < end; i++) pos += (long)(entries[i] & 1);
            walker.Add(ScoreKey.ToScore((uint)key), end - start - pos, pos, 0, last: start == 0);
            end = start;
        }

        var summary = CurveAccumulator.Combine(totals, [], [walker], "image", downsampled: false);
        return new ImageMetricsResult(summary.Auroc, summary.AveragePrecision, summary.Aupr, summary.F1Max,
            summary.Roc, summary.PrecisionRecall, (int)totals.Negatives, (int)totals.Positives);
    }
}
