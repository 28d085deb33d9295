using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// Reads the provenance strings results carry (<see cref="RunResult.Weights"/>, the form of
/// <see cref="WeightsProvenance.ToString"/>; an ensemble joins its members with "; ") back into what reports need: which
/// weights ran and whether they are the papers'. Reports only have the strings, old results included, so this is the one
/// place that knows their shape.
/// </summary>
public static class BackboneWeights
{
    private const string NoBackbone = "none (no pretrained backbone)";

    /// <summary>One provenance per backbone: an ensemble's string holds several.</summary>
    public static IReadOnlyList<string> Parts(string weights) =>
        weights.Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The kind of one backbone's provenance (one of <see cref="Parts"/>).</summary>
    public static WeightsKind KindOf(string part) =>
        part.StartsWith("none", StringComparison.Ordinal) ? WeightsKind.None
        : part.Contains(": random (seed ", StringComparison.Ordinal) ? WeightsKind.Random
        : part.Contains(": CNTK ImageNet weights, ", StringComparison.Ordinal) ? WeightsKind.Cntk
        : WeightsKind.File;

    /// <summary>True when a backbone ran on other weights than the papers' torchvision files: random or the packaged CNTK network.</summary>
    public static bool DiffersFromPapers(string part) => KindOf(part) is WeightsKind.Random or WeightsKind.Cntk;

    /// <summary>
    /// "Backbone weights: " and the distinct provenance of <paramref name="runs"/>' backbones, with the methods that have
    /// none named as such: the footer line of every report and of the end-of-sweep summary.
    /// </summary>
    public static string FooterLine(IEnumerable<RunResult> runs)
    {
        var list = runs.ToList();
        var backbones = list.SelectMany(r => Parts(r.Weights)).Where(p => KindOf(p) != WeightsKind.None).Distinct();
        var without = list.Where(r => Parts(r.Weights).All(p => KindOf(p) == WeightsKind.None)).Select(r => r.Method).Distinct().ToList();
        var parts = backbones.Concat(without.Count > 0 ? [$"{string.Join(", ", without)}: {NoBackbone}"] : []).ToList();
        return $"Backbone weights: {(parts.Count > 0 ? string.Join("; ", parts) : NoBackbone)}.";
    }
}
