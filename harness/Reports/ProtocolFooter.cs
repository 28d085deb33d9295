using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// What an experiment's numbers were measured under, for every report's footer: one line per distinct metric protocol,
/// then the backbone weights that ran (a paper's numbers depend on both).
/// </summary>
public static class ProtocolFooter
{
    public static IReadOnlyList<string> Lines(IReadOnlyList<FinishedRun> runs) =>
        [.. runs.Select(r => r.Result.Protocol).Distinct().Select(Describe), BackboneWeights.FooterLine(runs.Select(r => r.Result))];

    public static string Describe(EvaluationProtocol p) =>
        $"Evaluated at {p.Resolution}; ground truth: {p.MaskBinarisation}; image score: {p.ImageScore}; " +
        $"AUPRO: {p.Aupro}, integrated up to FPR {p.ProLimit:0.###} and divided by it (region-wise PRO over all defects, not per image).";
}
