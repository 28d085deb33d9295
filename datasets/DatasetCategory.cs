namespace AnomalyBench.Datasets;

/// <summary>
/// One category of a data set as its reader found it: the normal training images and the
/// test images in a fixed order (good first, then defect types in ordinal order, files by
/// name, unless the data set's split file gives an order). <see cref="HasPixelMasks"/> is
/// false for image-level sets (the medical ones): pixel metrics are then not applicable.
/// </summary>
public sealed record DatasetCategory(
    string Dataset,
    string Name,
    string Root,
    IReadOnlyList<Sample> Train,
    IReadOnlyList<Sample> Test,
    bool HasPixelMasks,
    IReadOnlyList<LayoutIssue> Warnings)
{
    public IReadOnlyList<Sample> Samples(Split split) => split == Split.Train ? Train : Test;

    /// <summary>Images per defect type of a split, in the order they appear.</summary>
    public IReadOnlyList<(string DefectType, int Count)> CountsByDefectType(Split split) =>
        Samples(split).GroupBy(s => s.DefectType).Select(g => (g.Key, g.Count())).ToList();

    public int NormalTestCount => Test.Count(s => !s.IsAnomalous);

    public int AnomalousTestCount => Test.Count(s => s.IsAnomalous);
}
