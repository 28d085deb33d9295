namespace AnomalyBench.Metrics;

/// <summary>Counts over a whole set: negatives (normal), positives (anomalous), ground-truth regions.</summary>
internal readonly record struct CurveTotals(long Negatives, long Positives, long Regions);
