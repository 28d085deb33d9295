namespace AnomalyBench.Datasets;

/// <summary>
/// MVTec AD's own names and published counts (Bergmann et al., CVPR 2019, Table 1; totals
/// confirmed in shared/research/harness-anchors.md §3.1).
/// </summary>
public static class MVTecAd
{
    public static IReadOnlyList<string> Categories { get; } =
    [
        "bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut",
        "pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper",
    ];

    /// <summary>Normal training images over the 15 categories.</summary>
    public const int PublishedTrainCount = 3629;

    /// <summary>Test images (467 good, 1258 defective) over the 15 categories.</summary>
    public const int PublishedTestCount = 1725;

    /// <summary>The folder of normal images in train/ and test/.</summary>
    public const string Good = "good";

    /// <summary>Masks are <c>ground_truth/&lt;defect&gt;/&lt;image name&gt;_mask.png</c>.</summary>
    public const string MaskSuffix = "_mask";
}
