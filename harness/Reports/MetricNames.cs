namespace AnomalyBench.Harness.Reports;

/// <summary>How tables and plots name the metric keys of metrics.json.</summary>
public static class MetricNames
{
    public static string Display(string key) => key switch
    {
        "image_auroc" => "I-AUROC",
        "pixel_auroc" => "P-AUROC",
        "image_ap" => "I-AP",
        "pixel_ap" => "P-AP",
        "image_f1max" => "I-F1max",
        "pixel_f1max" => "P-F1max",
        _ when key.StartsWith("aupro_", StringComparison.Ordinal) => $"AUPRO@{key["aupro_".Length..]}",
        _ => key,
    };
}
