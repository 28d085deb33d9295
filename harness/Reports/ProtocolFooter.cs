using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>The metric protocol under which an experiment's numbers were measured, one line per distinct protocol, for every table's footer.</summary>
public static class ProtocolFooter
{
    public static IReadOnlyList<string> Lines(IEnumerable<FinishedRun> runs) =>
        runs.Select(r => r.Result.Protocol).Distinct().Select(Describe).ToList();

    public static string Describe(EvaluationProtocol p) =>
        $"Evaluated at {p.Resolution}; ground truth: {p.MaskBinarisation}; image score: {p.ImageScore}; " +
        $"AUPRO: {p.Aupro}, integrated up to FPR {p.ProLimit:0.###} and divided by it (region-wise PRO over all defects, not per image).";
}
