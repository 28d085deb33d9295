namespace AnomalyBench.Datasets;

/// <summary>
/// One image of a data set: where it is, where its pixel mask is (none for normal images
/// and for image-level sets), its label, its defect type (the data set's own folder or
/// class name: <c>good</c>, <c>broken_large</c>, <c>ko</c>, <c>ABNORMAL</c>, ...) and its category.
/// </summary>
public sealed record Sample(string ImagePath, string? MaskPath, Label Label, string DefectType, string Category)
{
    public bool IsAnomalous => Label == Label.Anomalous;

    public override string ToString() => ImagePath;
}
