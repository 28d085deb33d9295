namespace AnomalyBench.Datasets;

/// <summary>Image-level ground truth, numbered as every data set's loader numbers it (good/normal = 0, anomalous = 1).</summary>
public enum Label
{
    Normal = 0,
    Anomalous = 1,
}
