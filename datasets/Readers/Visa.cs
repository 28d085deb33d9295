using System.Collections.Frozen;

namespace AnomalyBench.Datasets;

/// <summary>
/// VisA's names and the counts of its official 1-class split
/// (amazon-science/spot-diff split_csv/1cls.csv; shared/research/harness-anchors.md §3.2).
/// </summary>
public static class Visa
{
    public static IReadOnlyList<string> Categories { get; } =
    [
        "candle", "capsules", "cashew", "chewinggum", "fryum", "macaroni1",
        "macaroni2", "pcb1", "pcb2", "pcb3", "pcb4", "pipe_fryum",
    ];

    /// <summary>Per category: normal training images, normal test images, anomalous test images in 1cls.csv.</summary>
    public static IReadOnlyDictionary<string, (int Train, int TestNormal, int TestAnomaly)> PublishedCounts { get; } =
        new Dictionary<string, (int Train, int TestNormal, int TestAnomaly)>
        {
            ["candle"] = (900, 100, 100),
            ["capsules"] = (542, 60, 100),
            ["cashew"] = (450, 50, 100),
            ["chewinggum"] = (453, 50, 100),
            ["fryum"] = (450, 50, 100),
            ["macaroni1"] = (900, 100, 100),
            ["macaroni2"] = (900, 100, 100),
            ["pcb1"] = (904, 100, 100),
            ["pcb2"] = (901, 100, 100),
            ["pcb3"] = (905, 101, 100),
            ["pcb4"] = (904, 101, 100),
            ["pipe_fryum"] = (450, 50, 100),
        }.ToFrozenDictionary();

    public const int PublishedTrainCount = 8659;

    public const int PublishedTestCount = 2162;

    /// <summary>The split file, relative to the VisA root.</summary>
    public static string SplitFile { get; } = Path.Combine("split_csv", "1cls.csv");

    /// <summary>Defect-type names of the prepared layout (VisA_pytorch/1cls/&lt;cat&gt;/test/{good,bad}).</summary>
    public const string Good = "good";

    public const string Bad = "bad";
}
